// The shell: header (navigation, cart, live notification bell, language) and the routes.
import { useEffect } from 'preact/hooks';
import { request, subscribe } from './api/client';
import { CART, NOTIFICATION_ADDED, UNREAD_COUNT } from './api/operations';
import { cartCount, unreadCount, useUser } from './hooks';
import { setLocale, t, useLocale } from './i18n';
import { Profile, Wallet } from './pages/Account';
import { CALLBACK_PATH, Callback, logOut, Register, SignIn } from './pages/Auth';
import { Cart } from './pages/Cart';
import { Notifications, Order, Orders } from './pages/Orders';
import { Product } from './pages/Product';
import { Showcase } from './pages/Showcase';
import { interceptLinks, navigate, useLocation } from './router';

function Bell() {
  const count = unreadCount.use();
  const user = useUser();
  useEffect(() => {
    if (!user) return;
    void request(UNREAD_COUNT).then((d) => unreadCount.set(d.unreadNotificationCount), () => {});
    void request(CART).then((d) => cartCount.set(d.cart.itemCount), () => {});
    return subscribe(NOTIFICATION_ADDED, {}, () => unreadCount.set(unreadCount.get() + 1));
  }, [user?.id]);
  return (
    <a href="/notifications" class="bell" data-testid="bell">
      <span>{t('nav.notifications')}</span>
      <span class="badge" data-testid="unread" data-count={count}>{count}<span class="visually-hidden"> {t('nav.unread')}</span></span>
    </a>
  );
}

function Header() {
  const user = useUser();
  const locale = useLocale();
  const items = cartCount.use();
  return (
    <header>
      <a href="/" class="brand">{t('shop.title')}</a>
      <nav aria-label={t('nav.main')}>
        <ul>
          <li><a href="/">{t('nav.showcase')}</a></li>
          {user ? (
            <>
              <li><a href="/cart" data-testid="cart-link">{t('nav.cart')} ({items})</a></li>
              <li><a href="/orders">{t('nav.orders')}</a></li>
              <li><a href="/wallet">{t('nav.wallet')}</a></li>
              <li><a href="/profile" data-testid="whoami">{t('nav.profile')}: {user.displayName}</a></li>
              <li><Bell /></li>
              <li><button type="button" onClick={() => void logOut()}>{t('nav.logout')}</button></li>
            </>
          ) : (
            <>
              <li><a href="/login">{t('nav.signin')}</a></li>
              <li><a href="/register">{t('nav.register')}</a></li>
            </>
          )}
        </ul>
      </nav>
      <label class="language">
        <span class="visually-hidden">{t('nav.language')}</span>
        <select value={locale} onChange={(e) => setLocale((e.target as HTMLSelectElement).value as 'ru' | 'en')}>
          <option value="ru">Русский</option>
          <option value="en">English</option>
        </select>
      </label>
    </header>
  );
}

/** Pages that need a signed-in shopper send others to sign in and back. */
function Private({ page }: { page: () => preact.JSX.Element }) {
  const user = useUser();
  const url = useLocation();
  useEffect(() => {
    if (!user) navigate(`/login?next=${encodeURIComponent(url.pathname)}`, true);
  }, [user]);
  return user ? page() : null;
}

function Routes() {
  const { pathname } = useLocation();
  const [, section, id] = pathname.split('/');
  if (pathname === CALLBACK_PATH) return <Callback />;
  switch (section) {
    case '': return <Showcase />;
    case 'products': return <Product id={id ?? ''} />;
    case 'login': return <SignIn />;
    case 'register': return <Register />;
    case 'profile': return <Private page={() => <Profile />} />;
    case 'wallet': return <Private page={() => <Wallet />} />;
    case 'cart': return <Private page={() => <Cart />} />;
    case 'orders': return <Private page={() => (id ? <Order id={id} /> : <Orders />)} />;
    case 'notifications': return <Private page={() => <Notifications />} />;
    default: return <p>{t('error.NOT_FOUND')} · <a href="/">{t('nav.showcase')}</a></p>;
  }
}

export function App() {
  useLocale();
  return (
    <div onClick={interceptLinks}>
      <a href="#main" class="skip">{t('nav.skip')}</a>
      <Header />
      <main id="main" tabIndex={-1}><Routes /></main>
    </div>
  );
}

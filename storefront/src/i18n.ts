// Russian by default, English on request; money in the store currency, formatted for the locale.
import { useEffect, useState } from 'preact/hooks';

export type Locale = 'ru' | 'en';

const ru = {
  'nav.showcase': 'Витрина', 'nav.cart': 'Корзина', 'nav.orders': 'Заказы', 'nav.wallet': 'Кошелёк',
  'nav.profile': 'Профиль', 'nav.signin': 'Войти', 'nav.register': 'Регистрация', 'nav.logout': 'Выйти',
  'nav.notifications': 'Уведомления', 'nav.unread': 'непрочитанных', 'nav.language': 'Язык', 'nav.main': 'Основная навигация', 'nav.skip': 'К содержимому',
  'shop.title': 'Магазин',
  'showcase.search': 'Поиск товаров', 'showcase.suggestions': 'Подсказки', 'showcase.category': 'Категория',
  'showcase.allCategories': 'Все категории', 'showcase.sort': 'Сортировка', 'showcase.inStock': 'Только в наличии',
  'showcase.empty': 'Ничего не найдено', 'showcase.loading': 'Загрузка…', 'showcase.more': 'Показать ещё',
  'showcase.found': 'Найдено: {n}', 'showcase.about': 'около {n}', 'showcase.categorySuggestion': 'категория',
  'sort.RELEVANCE': 'По релевантности', 'sort.NEWEST': 'Сначала новые', 'sort.NAME': 'По названию',
  'sort.PRICE_ASC': 'Сначала дешёвые', 'sort.PRICE_DESC': 'Сначала дорогие',
  'product.stock': 'В наличии: {n}', 'product.outOfStock': 'Нет в наличии', 'product.add': 'В корзину',
  'product.added': 'Добавлено в корзину', 'product.notFound': 'Товар не найден', 'product.quantity': 'Количество',
  'auth.email': 'Эл. почта', 'auth.password': 'Пароль', 'auth.name': 'Имя', 'auth.signin': 'Войти',
  'auth.register': 'Зарегистрироваться', 'auth.signinTitle': 'Вход', 'auth.registerTitle': 'Регистрация',
  'auth.with': 'Войти через {name}', 'auth.expired': 'Сеанс истёк, войдите снова', 'auth.completing': 'Завершаем вход…',
  'auth.noAccount': 'Нет аккаунта?', 'auth.required': 'Войдите, чтобы продолжить',
  'profile.title': 'Профиль', 'profile.address': 'Адрес по умолчанию', 'profile.save': 'Сохранить', 'profile.saved': 'Сохранено',
  'addr.recipient': 'Получатель', 'addr.phone': 'Телефон', 'addr.country': 'Страна', 'addr.city': 'Город',
  'addr.street': 'Улица', 'addr.building': 'Дом', 'addr.apartment': 'Квартира', 'addr.postalCode': 'Индекс',
  'wallet.title': 'Кошелёк', 'wallet.balance': 'Баланс', 'wallet.amount': 'Сумма пополнения', 'wallet.topUp': 'Пополнить',
  'wallet.history': 'История', 'wallet.empty': 'Операций пока нет',
  'kind.TOP_UP': 'Пополнение', 'kind.PAYMENT': 'Оплата', 'kind.REFUND': 'Возврат',
  'cart.title': 'Корзина', 'cart.empty': 'Корзина пуста', 'cart.total': 'Итого', 'cart.remove': 'Удалить',
  'cart.quantityOf': 'Количество: {name}', 'checkout.title': 'Оформление', 'checkout.courier': 'Курьером',
  'checkout.pickup': 'Самовывоз', 'checkout.point': 'Пункт выдачи', 'checkout.place': 'Оформить заказ', 'checkout.method': 'Способ доставки',
  'orders.title': 'Мои заказы', 'orders.empty': 'Заказов пока нет', 'order.title': 'Заказ', 'order.status': 'Статус',
  'order.cancel': 'Отменить заказ', 'order.history': 'История статусов', 'order.live': 'Обновляется в реальном времени',
  'order.items': 'Товары', 'order.delivery': 'Доставка',
  'status.PENDING': 'Оформляется', 'status.CONFIRMED': 'Подтверждён', 'status.SHIPPED': 'Передан курьеру',
  'status.READY_FOR_PICKUP': 'Готов к выдаче', 'status.DELIVERED': 'Доставлен', 'status.CANCELLED': 'Отменён', 'status.FAILED': 'Не оформлен',
  'notifications.title': 'Уведомления', 'notifications.markAll': 'Отметить все прочитанными', 'notifications.markRead': 'Прочитано',
  'notifications.empty': 'Уведомлений нет',
  'error.INVALID_INPUT': 'Проверьте введённые данные', 'error.EMAIL_TAKEN': 'Эта почта уже зарегистрирована',
  'error.INVALID_CREDENTIALS': 'Неверная почта или пароль', 'error.NOT_FOUND': 'Не найдено',
  'error.INSUFFICIENT_FUNDS': 'Недостаточно средств в кошельке', 'error.OUT_OF_STOCK': 'Товара нет в нужном количестве',
  'error.PRODUCT_UNAVAILABLE': 'Товар больше не продаётся', 'error.CART_EMPTY': 'Корзина пуста',
  'error.INVALID_STATE': 'Сейчас это сделать нельзя', 'error.CONFLICT': 'Конфликт, попробуйте ещё раз',
  'error.PROVIDER_ERROR': 'Ошибка внешнего входа', 'error.RATE_LIMITED': 'Слишком много попыток, подождите',
  'error.INTERNAL': 'Что-то пошло не так', 'error.network': 'Нет связи с магазином',
};

type Key = keyof typeof ru;

const en: Record<Key, string> = {
  'nav.showcase': 'Showcase', 'nav.cart': 'Cart', 'nav.orders': 'Orders', 'nav.wallet': 'Wallet',
  'nav.profile': 'Profile', 'nav.signin': 'Sign in', 'nav.register': 'Register', 'nav.logout': 'Log out',
  'nav.notifications': 'Notifications', 'nav.unread': 'unread', 'nav.language': 'Language', 'nav.main': 'Main navigation', 'nav.skip': 'Skip to content',
  'shop.title': 'Shop',
  'showcase.search': 'Search products', 'showcase.suggestions': 'Suggestions', 'showcase.category': 'Category',
  'showcase.allCategories': 'All categories', 'showcase.sort': 'Sort', 'showcase.inStock': 'In stock only',
  'showcase.empty': 'Nothing found', 'showcase.loading': 'Loading…', 'showcase.more': 'Show more',
  'showcase.found': 'Found: {n}', 'showcase.about': 'about {n}', 'showcase.categorySuggestion': 'category',
  'sort.RELEVANCE': 'Relevance', 'sort.NEWEST': 'Newest', 'sort.NAME': 'Name',
  'sort.PRICE_ASC': 'Price: low to high', 'sort.PRICE_DESC': 'Price: high to low',
  'product.stock': 'In stock: {n}', 'product.outOfStock': 'Out of stock', 'product.add': 'Add to cart',
  'product.added': 'Added to the cart', 'product.notFound': 'Product not found', 'product.quantity': 'Quantity',
  'auth.email': 'Email', 'auth.password': 'Password', 'auth.name': 'Name', 'auth.signin': 'Sign in',
  'auth.register': 'Register', 'auth.signinTitle': 'Sign in', 'auth.registerTitle': 'Register',
  'auth.with': 'Sign in with {name}', 'auth.expired': 'Your session has ended, please sign in again', 'auth.completing': 'Completing sign-in…',
  'auth.noAccount': 'No account yet?', 'auth.required': 'Sign in to continue',
  'profile.title': 'Profile', 'profile.address': 'Default address', 'profile.save': 'Save', 'profile.saved': 'Saved',
  'addr.recipient': 'Recipient', 'addr.phone': 'Phone', 'addr.country': 'Country', 'addr.city': 'City',
  'addr.street': 'Street', 'addr.building': 'Building', 'addr.apartment': 'Apartment', 'addr.postalCode': 'Postal code',
  'wallet.title': 'Wallet', 'wallet.balance': 'Balance', 'wallet.amount': 'Top-up amount', 'wallet.topUp': 'Top up',
  'wallet.history': 'History', 'wallet.empty': 'No transactions yet',
  'kind.TOP_UP': 'Top-up', 'kind.PAYMENT': 'Payment', 'kind.REFUND': 'Refund',
  'cart.title': 'Cart', 'cart.empty': 'Your cart is empty', 'cart.total': 'Total', 'cart.remove': 'Remove',
  'cart.quantityOf': 'Quantity: {name}', 'checkout.title': 'Checkout', 'checkout.courier': 'Courier',
  'checkout.pickup': 'Pickup', 'checkout.point': 'Pickup point', 'checkout.place': 'Place order', 'checkout.method': 'Delivery method',
  'orders.title': 'My orders', 'orders.empty': 'No orders yet', 'order.title': 'Order', 'order.status': 'Status',
  'order.cancel': 'Cancel order', 'order.history': 'Status history', 'order.live': 'Updates live',
  'order.items': 'Items', 'order.delivery': 'Delivery',
  'status.PENDING': 'Pending', 'status.CONFIRMED': 'Confirmed', 'status.SHIPPED': 'Shipped',
  'status.READY_FOR_PICKUP': 'Ready for pickup', 'status.DELIVERED': 'Delivered', 'status.CANCELLED': 'Cancelled', 'status.FAILED': 'Failed',
  'notifications.title': 'Notifications', 'notifications.markAll': 'Mark all as read', 'notifications.markRead': 'Mark as read',
  'notifications.empty': 'No notifications',
  'error.INVALID_INPUT': 'Please check what you entered', 'error.EMAIL_TAKEN': 'This email is already registered',
  'error.INVALID_CREDENTIALS': 'Wrong email or password', 'error.NOT_FOUND': 'Not found',
  'error.INSUFFICIENT_FUNDS': 'Not enough money in the wallet', 'error.OUT_OF_STOCK': 'Not enough in stock',
  'error.PRODUCT_UNAVAILABLE': 'This product is no longer sold', 'error.CART_EMPTY': 'Your cart is empty',
  'error.INVALID_STATE': 'This cannot be done now', 'error.CONFLICT': 'Conflict, please try again',
  'error.PROVIDER_ERROR': 'External sign-in failed', 'error.RATE_LIMITED': 'Too many attempts, please wait',
  'error.INTERNAL': 'Something went wrong', 'error.network': 'The store cannot be reached',
};

const DICTIONARIES: Record<Locale, Record<Key, string>> = { ru, en };
const STORAGE_KEY = 'shop.locale';
let locale: Locale = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ru';
const listeners = new Set<() => void>();

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return DICTIONARIES[locale][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

/** An API error code as a sentence for the shopper; unknown codes fall back to the server's message. */
export function errorText(code: string, message?: string): string {
  const key = `error.${code}` as Key;
  return key in ru ? t(key) : (message ?? t('error.INTERNAL'));
}

export function money(value: { amount: string; currency: string }): string {
  return new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { style: 'currency', currency: value.currency }).format(Number(value.amount));
}

/** A count with the locale's digit grouping ("12 000", "12,000"). */
export function count(value: number): string {
  return new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-GB').format(value);
}

export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function getLocale(): Locale {
  return locale;
}

export function setLocale(next: Locale): void {
  locale = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  for (const listener of listeners) listener();
}

/** Re-renders the calling component when the language changes. */
export function useLocale(): Locale {
  const [, setValue] = useState(locale);
  useEffect(() => {
    const listener = () => setValue(locale);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return locale;
}

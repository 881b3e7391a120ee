// Entry: restores this tab's session (if any), then renders the storefront.
import { render } from 'preact';
import { endSession, refresh, whenSignedOut } from './api/client';
import { session } from './api/session';
import { App } from './app';
import { getLocale } from './i18n';
import { navigate } from './router';
import './styles.css';

// A refused refresh (or an access token the API no longer accepts) sends the shopper to sign in.
whenSignedOut(() => {
  endSession();
  if (location.pathname !== '/login') navigate(`/login?expired=1&next=${encodeURIComponent(location.pathname)}`);
});

document.documentElement.lang = getLocale();
const ready = session.refreshToken ? refresh() : Promise.resolve(false);
void ready.finally(() => render(<App />, document.getElementById('app')!));

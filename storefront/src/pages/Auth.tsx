// Register, sign in (password or an external provider) and the provider's return page.
import { useEffect, useState } from 'preact/hooks';
import { endSession, request, startSession } from '../api/client';
import { COMPLETE_EXTERNAL, LOGIN, LOGOUT, PROVIDERS, REGISTER, START_EXTERNAL } from '../api/operations';
import { Errors, Field, Page, type UserErrorItem } from '../components';
import type { SessionFieldsFragment } from '../gql/graphql';
import { describe, useAsync } from '../hooks';
import { t } from '../i18n';
import { navigate, useLocation } from '../router';

export const CALLBACK_PATH = '/auth/callback';
const NEXT_KEY = 'shop.next';

function signedIn(payload: SessionFieldsFragment, next: string): UserErrorItem[] {
  if (payload.errors.length || !payload.accessToken) return payload.errors;
  startSession(payload);
  navigate(next.startsWith('/') ? next : '/', true);
  return [];
}

export function SignIn() {
  const url = useLocation();
  const next = url.searchParams.get('next') ?? '/';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const providers = useAsync(() => request(PROVIDERS), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      setErrors(signedIn((await request(LOGIN, { input: { email, password } })).login, next));
      setFailure(null);
    } catch (e) {
      setFailure(describe(e));
    }
  };

  const external = async (provider: string) => {
    try {
      const redirectUri = `${location.origin}${CALLBACK_PATH}`;
      const { startExternalLogin: started } = await request(START_EXTERNAL, { provider, redirectUri });
      if (started.authorizationUrl) {
        sessionStorage.setItem(NEXT_KEY, next);
        location.assign(started.authorizationUrl);
      } else setErrors(started.errors);
    } catch (e) {
      setFailure(describe(e));
    }
  };

  return (
    <Page title={t('auth.signinTitle')}>
      {url.searchParams.has('expired') && <p role="status">{t('auth.expired')}</p>}
      <form onSubmit={submit} class="narrow">
        <Field label={t('auth.email')} name="email" type="email" value={email} onInput={setEmail} required autoComplete="username" />
        <Field label={t('auth.password')} name="password" type="password" value={password} onInput={setPassword} required autoComplete="current-password" />
        <Errors errors={errors} text={failure} />
        <button type="submit">{t('auth.signin')}</button>
      </form>
      <ul class="providers">
        {providers.data?.authProviders.map((p) => (
          <li key={p.id}><button type="button" onClick={() => void external(p.id)}>{t('auth.with', { name: p.name })}</button></li>
        ))}
      </ul>
      <p>{t('auth.noAccount')} <a href="/register">{t('nav.register')}</a></p>
    </Page>
  );
}

export function Register() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      setErrors(signedIn((await request(REGISTER, { input: { email, password, displayName: name } })).register, '/'));
      setFailure(null);
    } catch (e) {
      setFailure(describe(e));
    }
  };
  return (
    <Page title={t('auth.registerTitle')}>
      <form onSubmit={submit} class="narrow">
        <Field label={t('auth.name')} name="displayName" value={name} onInput={setName} required autoComplete="name" />
        <Field label={t('auth.email')} name="email" type="email" value={email} onInput={setEmail} required autoComplete="email" />
        <Field label={t('auth.password')} name="password" type="password" value={password} onInput={setPassword} required autoComplete="new-password" />
        <Errors errors={errors} text={failure} />
        <button type="submit">{t('auth.register')}</button>
      </form>
    </Page>
  );
}

/** Where the provider sends the browser back: hands `code` and `state` to the API. */
export function Callback() {
  const url = useLocation();
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    const code = url.searchParams.get('code');
    const state = url.searchParams.get('state');
    if (!code || !state) return setFailure(t('error.PROVIDER_ERROR'));
    const next = sessionStorage.getItem(NEXT_KEY) ?? '/';
    sessionStorage.removeItem(NEXT_KEY);
    request(COMPLETE_EXTERNAL, { code, state }).then(
      ({ completeExternalLogin }) => setErrors(signedIn(completeExternalLogin, next)),
      (e: unknown) => setFailure(describe(e)),
    );
  }, []);
  return (
    <Page title={t('auth.signinTitle')}>
      {!errors.length && !failure && <p role="status">{t('auth.completing')}</p>}
      <Errors errors={errors} text={failure} />
      {(errors.length > 0 || failure) && <a href="/login">{t('nav.signin')}</a>}
    </Page>
  );
}

/** Ends the session on the server too; the page forgets its tokens even if the call fails. */
export async function logOut(): Promise<void> {
  await request(LOGOUT).catch(() => false);
  endSession();
  navigate('/login');
}

// A real OpenID Connect provider (panva's oidc-provider) for the external sign-in tests.
// Environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (space separated).
// Sign in through the development login form with an email as the login: `alice@example.com`
// is a verified address; `unverified:alice@example.com` reports the same address unverified.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT ?? 15600);
const issuer = `http://127.0.0.1:${port}`;

function claimsOf(login) {
  const unverified = login.startsWith('unverified:');
  const email = unverified ? login.slice('unverified:'.length) : login;
  return { sub: login, email, email_verified: !unverified, name: `Test ${email.split('@')[0]}` };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID ?? 'shop',
    client_secret: process.env.OIDC_CLIENT_SECRET ?? 'shop-secret',
    redirect_uris: (process.env.OIDC_REDIRECT_URIS ?? '').split(' ').filter(Boolean),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Like Google and Microsoft: the id_token itself carries the scope's claims.
  conformIdTokenClaims: false,
  cookies: { keys: ['test-only-cookie-key'] },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsOf(id); } };
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

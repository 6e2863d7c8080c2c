// A real OpenID provider for the tests: oidc-provider (certified by the OpenID Foundation), with
// the clients, accounts and group claims that the test that started it wrote to a JSON file.
//
//   node tests/oidc_provider/provider.mjs settings.json
//
// settings.json: {"port": 0, "clients": [...client metadata...], "accounts": {"id": {...}}}.
// An account: {"password", "name", "email", "groups": [...], "amr": ["pwd", "mfa"], "acr"}.
// It prints one line, "listening <issuer>", once it answers.
//
// Besides the provider itself, /impostor/.well-known/openid-configuration serves the provider's
// own discovery document claiming another issuer (<issuer>/impostor), for the test of an ID
// token whose issuer is not the one the application was told to trust.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
const accounts = settings.accounts;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };
}

const configuration = {
  clients: settings.clients,
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // Entra ID puts the groups in the ID token whatever the scope; so does this provider.
  claims: {
    acr: null,
    auth_time: null,
    sid: null,
    iss: null,
    openid: ['sub', 'groups', 'oid', 'amr', 'acr', 'auth_time'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.type = 'html';
        ctx.body = page(
          'Sign out of the council account',
          `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">`
            + 'Yes, sign me out</button>',
        );
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.type = 'html';
        ctx.body = page('Signed out of the council account', '<p>You have signed out.</p>');
      },
    },
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          oid: account.oid ?? `oid-${id}`,
          name: account.name,
          preferred_username: account.email,
          email: account.email,
          email_verified: true,
          groups: account.groups ?? [],
        };
      },
    };
  },
  // Every client here is the council's own: consent is given on the staff's behalf.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
};

const issuer = `http://127.0.0.1:${settings.port}`;
const provider = new Provider(issuer, configuration);

function loginForm(uid, problem = '') {
  return page(
    'Sign in to the council',
    `${problem ? `<p role="alert">${escape(problem)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Username</label> <input id="login" name="login" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button></form>`,
  );
}

async function formFields(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf-8'));
}

provider.use(async (ctx, next) => {
  const login = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (ctx.path === '/impostor/.well-known/openid-configuration') {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    ctx.body = { ...(await response.json()), issuer: `${issuer}/impostor` };
    return;
  }
  if (!login) {
    await next();
    return;
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET' && !login[2]) {
    ctx.type = 'html';
    ctx.body = loginForm(details.uid);
    return;
  }
  if (ctx.method !== 'POST' || !login[2]) ctx.throw(405);
  const fields = await formFields(ctx);
  const id = fields.get('login') ?? '';
  const account = accounts[id];
  if (!account || account.password !== fields.get('password')) {
    ctx.type = 'html';
    ctx.status = 400;
    ctx.body = loginForm(details.uid, 'Wrong username or password');
    return;
  }
  await provider.interactionFinished(ctx.req, ctx.res, {
    login: { accountId: id, amr: account.amr ?? ['pwd'], acr: account.acr },
  }, { mergeWithLastSubmission: false });
});

const server = provider.listen(settings.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

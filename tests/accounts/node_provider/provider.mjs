// A test-only OpenID Provider built on the real `oidc-provider` package, run as a separate process
// by tests/accounts/node_provider.py. Unlike the Python mock provider it ENFORCES PKCE (S256) for
// every client, so a test can prove that a code exchanged with the wrong code_verifier is refused.
//
// Usage (every option may also come from the environment variable named in brackets):
//   node provider.mjs --port 0 --client-id portal --client-secret s3cret \
//     --redirect-uri http://127.0.0.1:8000/auth/callback \
//     --post-logout-redirect-uri http://127.0.0.1:8000/
//   [OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_POST_LOGOUT_REDIRECT_URI]
// --redirect-uri and --post-logout-redirect-uri may be repeated. With port 0 the system picks a free
// port. Once listening, the process prints `READY <port>` on stdout. It exits on SIGTERM/SIGINT and,
// with --exit-with-stdin, also when its standard input closes (the parent process went away).
//
// Besides the provider's own routes (issuer http://127.0.0.1:<port>), it answers:
//   PUT  /users/:sub        JSON object of claims for that subject (replaces earlier ones) -> 204
//   POST /next-login/:sub   the subject that the next login prompts sign in (until changed) -> 204
//   GET  /interaction/:uid  automatic interaction: signs in the subject (login prompt) or grants
//                           every requested scope and claim (consent prompt), then redirects back.
// Errors of these routes are answered as text/plain 4xx with a message meant for the test output.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
  strict: true,
});

function option(name, envName, { multiple = false, fallback } = {}) {
  const given = args[name];
  if (multiple && given?.length) return given;
  if (!multiple && given !== undefined) return given;
  const fromEnv = process.env[envName];
  if (fromEnv) return multiple ? [fromEnv] : fromEnv;
  if (fallback !== undefined) return fallback;
  console.error(`provider.mjs: missing --${name} (or ${envName})`);
  process.exit(2);
}

const port = Number(option('port', 'OIDC_PORT', { fallback: '0' }));
const clientId = option('client-id', 'OIDC_CLIENT_ID');
const clientSecret = option('client-secret', 'OIDC_CLIENT_SECRET');
const redirectUris = option('redirect-uri', 'OIDC_REDIRECT_URI', { multiple: true });
const postLogoutRedirectUris = option('post-logout-redirect-uri', 'OIDC_POST_LOGOUT_REDIRECT_URI', {
  multiple: true,
});
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`provider.mjs: invalid port ${args.port ?? process.env.OIDC_PORT}`);
  process.exit(2);
}

// ---- state the test controls --------------------------------------------------------------------

const users = new Map(); // sub -> claims object (without sub)
let nextLoginSubject;

// ---- a small in-memory storage adapter (the bundled one prints a development warning) -----------

const records = new Map(); // `${model}:${id}` -> { payload, expiresAt }
const indexes = new Map(); // `uid:${uid}` / `userCode:${code}` / `grant:${grantId}` -> key or Set
// The models that revokeByGrantId removes. Others (Interaction, Session, ...) may carry a grantId
// too but must survive a revocation: the provider revokes grants during an account switch.
const grantBound = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

function live(key) {
  const record = records.get(key);
  if (record && record.expiresAt !== undefined && record.expiresAt <= Date.now()) {
    records.delete(key);
    return undefined;
  }
  return record;
}

class MemoryStore {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
    records.set(key, { payload, expiresAt });
    if (payload.uid && this.model === 'Session') indexes.set(`uid:${payload.uid}`, key);
    if (payload.userCode) indexes.set(`userCode:${payload.userCode}`, key);
    if (payload.grantId && grantBound.has(this.model)) {
      const grantKey = `grant:${payload.grantId}`;
      if (!indexes.has(grantKey)) indexes.set(grantKey, new Set());
      indexes.get(grantKey).add(key);
    }
  }

  async find(id) {
    return live(this.key(id))?.payload;
  }

  async findByUid(uid) {
    const key = indexes.get(`uid:${uid}`);
    return key ? live(key)?.payload : undefined;
  }

  async findByUserCode(userCode) {
    const key = indexes.get(`userCode:${userCode}`);
    return key ? live(key)?.payload : undefined;
  }

  async consume(id) {
    const record = live(this.key(id));
    if (record) record.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    records.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const grantKey = `grant:${grantId}`;
    for (const key of indexes.get(grantKey) ?? []) records.delete(key);
    indexes.delete(grantKey);
  }
}

// ---- the provider ------------------------------------------------------------------------------

function signingKeys() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' }] };
}

function configuration() {
  return {
    adapter: MemoryStore,
    jwks: signingKeys(),
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: postLogoutRedirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        // client_secret_post is accepted as well: oidc-provider treats both secret methods alike.
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    // PKCE for every client and request (oidc-provider v9 supports only the S256 method).
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'roles', 'org'],
      email: ['email', 'email_verified'],
    },
    // Put the claims of the granted scopes in the ID token too, not only in the userinfo response.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      const claims = users.get(sub);
      if (claims === undefined) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { ...claims, sub };
        },
      };
    },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // The bare form with its xsrf field; node_provider.complete_logout() submits it.
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html><html><body>${form}</body></html>`;
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'text';
          ctx.body = 'signed out';
        },
      },
    },
    clientBasedCORS: () => false,
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 86400,
    },
  };
}

// ---- the test's routes, in front of the provider's -----------------------------------------------

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 1024 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function fail(ctx, status, message) {
  ctx.status = status;
  ctx.type = 'text';
  ctx.body = `${message}\n`;
}

async function interaction(provider, ctx) {
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    fail(ctx, 400, `interaction: ${err.message} (are the provider's cookies kept by the client?)`);
    return;
  }
  const { prompt, params, session } = details;

  if (prompt.name === 'login') {
    const accountId = nextLoginSubject;
    if (accountId === undefined) {
      fail(ctx, 400, 'interaction: no subject to sign in; call next_login(sub) first');
      return;
    }
    if (!users.has(accountId)) {
      fail(ctx, 400, `interaction: unknown subject ${accountId}; call set_user(sub, claims) first`);
      return;
    }
    console.log(`login ${accountId} (reasons: ${prompt.reasons.join(', ')})`);
    ctx.respond = false;
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    console.log(`consent ${session.accountId} scope=${(missingOIDCScope ?? []).join(' ')}`);
    ctx.respond = false;
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
    return;
  }

  fail(ctx, 400, `interaction: unsupported prompt ${prompt.name}`);
}

function testRoutes(provider) {
  return async (ctx, next) => {
    const { method, path } = ctx;
    let match;
    if ((match = /^\/users\/([^/]+)$/.exec(path)) && method === 'PUT') {
      let claims;
      try {
        claims = await readJson(ctx.req);
      } catch (err) {
        fail(ctx, 400, `PUT /users: ${err.message}`);
        return;
      }
      if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
        fail(ctx, 400, 'PUT /users: the body must be a JSON object of claims');
        return;
      }
      const { sub: _ignored, ...rest } = claims;
      users.set(decodeURIComponent(match[1]), rest);
      ctx.status = 204;
      return;
    }
    if ((match = /^\/next-login\/([^/]+)$/.exec(path)) && method === 'POST') {
      nextLoginSubject = decodeURIComponent(match[1]);
      ctx.status = 204;
      return;
    }
    if (/^\/interaction\/[^/]+$/.test(path) && method === 'GET') {
      ctx.set('cache-control', 'no-store');
      await interaction(provider, ctx);
      return;
    }
    await next();
  };
}

// ---- start --------------------------------------------------------------------------------------

// Listen first, so that with port 0 the issuer can name the port the system picked.
const server = http.createServer();
server.on('error', (err) => {
  console.error(`provider.mjs: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const actualPort = server.address().port;
  const provider = new Provider(`http://127.0.0.1:${actualPort}`, configuration());
  provider.use(testRoutes(provider));
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  provider.on('grant.error', (_ctx, err) => {
    console.log(`token endpoint refused: ${err.error}: ${err.error_detail ?? err.error_description}`);
  });
  server.on('request', provider.callback());
  console.log(`READY ${actualPort}`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (args['exit-with-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

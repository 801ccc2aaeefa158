'use strict';
/*
 * bench/peers/fastify/server.js - the fastify peer of jotd's server
 * benchmark: fastify + @fastify/jwt (fast-jwt) + bcryptjs, ES256 access
 * tokens, HS256 refresh tokens rotating with a generation counter, 2
 * workers by node:cluster.  The same API subset as the express peer:
 * POST /v1/users, POST /v1/auth/login, POST /v1/auth/refresh,
 * GET /v1/me and GET /v1/verify.
 *
 *   PORT=8082 node server.js
 */
const common = require('../common/cluster.js');

if (common.isPrimary) {
  common.runPrimary();
} else {
  worker();
}

function worker() {
  const fastify = require('fastify')({ logger: false });
  const bcrypt = require('bcryptjs');

  const cfg = common.settings();
  const store = common.storeClient();
  const dummyHash = bcrypt.hashSync('not a password at all', common.BCRYPT_COST);

  /* Two namespaces: access tokens (ES256, published key) and refresh
   * tokens (HS256 under a key of the server's own).  Options are given
   * once here, so that @fastify/jwt keeps one signer and one verifier. */
  fastify.register(require('@fastify/jwt'), {
    namespace: 'access',
    jwtVerify: 'accessVerify',
    secret: { private: cfg.privatePem, public: cfg.publicPem },
    sign: { algorithm: 'ES256', kid: cfg.kid, typ: 'at+jwt' },
    verify: {
      algorithms: ['ES256'], allowedIss: cfg.issuer, allowedAud: cfg.audience,
      requiredClaims: ['sub', 'sid', 'exp'], complete: true,
    },
  });
  fastify.register(require('@fastify/jwt'), {
    namespace: 'refresh',
    secret: cfg.refreshSecret,
    sign: { algorithm: 'HS256', kid: 'refresh-v1', typ: 'refresh+jwt' },
    verify: {
      algorithms: ['HS256'], allowedIss: cfg.issuer, allowedAud: cfg.issuer,
      requiredClaims: ['sub', 'sid', 'gen', 'exp'], complete: true,
    },
  });

  const issue = (user, sid, gen) => common.tokenResponse(cfg,
    fastify.jwt.access.sign(common.accessClaims(cfg, user, sid)),
    fastify.jwt.refresh.sign(common.refreshClaims(cfg, user, sid, gen)), sid);

  /* The bearer's claims, or null after answering 401. */
  async function authenticate(req, reply) {
    if (!common.bearer(req.headers.authorization)) {
      reply.code(401).header('WWW-Authenticate', 'Bearer realm="jot"')
        .send(common.error('invalid_token', 'missing bearer token'));
      return null;
    }
    try {
      const t = await req.accessVerify();
      if (t.header.typ !== 'at+jwt') throw new Error('wrong token type');
      return t.payload;
    } catch (e) {
      reply.code(401).header('WWW-Authenticate', 'Bearer realm="jot", error="invalid_token"')
        .send(common.error('invalid_token', e.message));
      return null;
    }
  }

  fastify.post('/v1/users', async (req, reply) => {
    const c = common.credentials(req.body);
    if (!c) return reply.code(400).send(common.error('invalid_request', 'bad username or password'));
    const hash = await bcrypt.hash(c.password, common.BCRYPT_COST);
    const r = await store.createUser(c.username, hash);
    if (r.conflict) return reply.code(409).send(common.error('conflict', 'username taken'));
    return reply.code(201).send(r.user);
  });

  fastify.post('/v1/auth/login', async (req, reply) => {
    const c = common.credentials(req.body);
    if (!c) return reply.code(400).send(common.error('invalid_request', 'bad username or password'));
    const r = await store.userByName(c.username);
    const ok = await bcrypt.compare(c.password, r.hash || dummyHash);
    if (!r.user || !ok)
      return reply.code(401).send(common.error('invalid_credentials', 'wrong username or password'));
    const s = await store.createSession(r.user.id);
    return issue(r.user, s.sid, s.gen);
  });

  fastify.post('/v1/auth/refresh', async (req, reply) => {
    const tok = req.body && req.body.refresh_token;
    if (typeof tok !== 'string')
      return reply.code(400).send(common.error('invalid_request', 'no refresh token'));
    let claims;
    try {
      const t = fastify.jwt.refresh.verify(tok);
      if (t.header.typ !== 'refresh+jwt' || !Number.isInteger(t.payload.gen))
        throw new Error('wrong token type');
      claims = t.payload;
    } catch (e) {
      return reply.code(401).send(common.error('invalid_grant', e.message));
    }
    const r = await store.rotate(claims.sid, claims.sub, claims.gen);
    if (r.status !== 'ok')
      return reply.code(401).send(common.error('invalid_grant',
        r.status === 'reuse' ? 'refresh token reused' : 'session ended'));
    return issue(r.user, claims.sid, r.gen);
  });

  fastify.get('/v1/me', async (req, reply) => {
    const claims = await authenticate(req, reply);
    if (!claims) return reply;
    const r = await store.me(claims.sub, claims.sid);
    if (!r.user)
      return reply.code(401).send(common.error('invalid_token', 'session revoked'));
    return r.user;
  });

  fastify.get('/v1/verify', async (req, reply) => {
    const claims = await authenticate(req, reply);
    if (!claims) return reply;
    reply.code(200).headers({
      'X-Auth-Subject': claims.sub,
      'X-Auth-Session': claims.sid,
      'X-Auth-Roles': Array.isArray(claims.roles) ? claims.roles.join(',') : '',
    });
    return reply.send();
  });

  fastify.get('/healthz', async () => ({ status: 'ok', db: 'ok' }));

  fastify.listen({ port: cfg.port, host: '127.0.0.1' }, (err) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
  });
  process.on('SIGTERM', () => process.exit(0));
}

'use strict';
/*
 * bench/peers/express/server.js - the express peer of jotd's server
 * benchmark: express + jsonwebtoken + bcryptjs, ES256 access tokens,
 * HS256 refresh tokens rotating with a generation counter, 2 workers by
 * node:cluster.  Implements the part of API.md the benchmark uses:
 * POST /v1/users, POST /v1/auth/login, POST /v1/auth/refresh,
 * GET /v1/me and GET /v1/verify.
 *
 *   PORT=8081 node server.js
 */
const common = require('../common/cluster.js');

if (common.isPrimary) {
  common.runPrimary();
} else {
  worker();
}

function worker() {
  const express = require('express');
  const jwt = require('jsonwebtoken');
  const bcrypt = require('bcryptjs');

  const cfg = common.settings();
  const store = common.storeClient();
  const dummyHash = bcrypt.hashSync('not a password at all', common.BCRYPT_COST);
  const app = express();

  const signAccess = (user, sid) =>
    jwt.sign(common.accessClaims(cfg, user, sid), cfg.privateKey,
      { algorithm: 'ES256', header: { alg: 'ES256', typ: 'at+jwt', kid: cfg.kid } });
  const signRefresh = (user, sid, gen) =>
    jwt.sign(common.refreshClaims(cfg, user, sid, gen), cfg.refreshKey,
      { algorithm: 'HS256', header: { alg: 'HS256', typ: 'refresh+jwt', kid: 'refresh-v1' } });
  const issue = (user, sid, gen) =>
    common.tokenResponse(cfg, signAccess(user, sid), signRefresh(user, sid, gen), sid);

  /* The bearer's claims, or null after answering 401. */
  function authenticate(req, res) {
    const tok = common.bearer(req.get('authorization'));
    if (!tok) {
      res.set('WWW-Authenticate', 'Bearer realm="jot"')
        .status(401).json(common.error('invalid_token', 'missing bearer token'));
      return null;
    }
    try {
      const t = jwt.verify(tok, cfg.publicKey, {
        algorithms: ['ES256'], issuer: cfg.issuer, audience: cfg.audience, complete: true,
      });
      if (t.header.typ !== 'at+jwt' || typeof t.payload.sub !== 'string' ||
          typeof t.payload.sid !== 'string')
        throw new Error('wrong token type');
      return t.payload;
    } catch (e) {
      res.set('WWW-Authenticate', 'Bearer realm="jot", error="invalid_token"')
        .status(401).json(common.error('invalid_token', e.message));
      return null;
    }
  }

  app.use(express.json());

  app.post('/v1/users', async (req, res) => {
    const c = common.credentials(req.body);
    if (!c) return res.status(400).json(common.error('invalid_request', 'bad username or password'));
    const hash = await bcrypt.hash(c.password, common.BCRYPT_COST);
    const r = await store.createUser(c.username, hash);
    if (r.conflict) return res.status(409).json(common.error('conflict', 'username taken'));
    res.status(201).json(r.user);
  });

  app.post('/v1/auth/login', async (req, res) => {
    const c = common.credentials(req.body);
    if (!c) return res.status(400).json(common.error('invalid_request', 'bad username or password'));
    const r = await store.userByName(c.username);
    const ok = await bcrypt.compare(c.password, r.hash || dummyHash);
    if (!r.user || !ok)
      return res.status(401).json(common.error('invalid_credentials', 'wrong username or password'));
    const s = await store.createSession(r.user.id);
    res.json(issue(r.user, s.sid, s.gen));
  });

  app.post('/v1/auth/refresh', async (req, res) => {
    const tok = req.body && req.body.refresh_token;
    if (typeof tok !== 'string')
      return res.status(400).json(common.error('invalid_request', 'no refresh token'));
    let claims;
    try {
      const t = jwt.verify(tok, cfg.refreshKey,
        { algorithms: ['HS256'], issuer: cfg.issuer, audience: cfg.issuer, complete: true });
      if (t.header.typ !== 'refresh+jwt' || !Number.isInteger(t.payload.gen))
        throw new Error('wrong token type');
      claims = t.payload;
    } catch (e) {
      return res.status(401).json(common.error('invalid_grant', e.message));
    }
    const r = await store.rotate(claims.sid, claims.sub, claims.gen);
    if (r.status !== 'ok')
      return res.status(401).json(common.error('invalid_grant',
        r.status === 'reuse' ? 'refresh token reused' : 'session ended'));
    res.json(issue(r.user, claims.sid, r.gen));
  });

  app.get('/v1/me', async (req, res) => {
    const claims = authenticate(req, res);
    if (!claims) return;
    const r = await store.me(claims.sub, claims.sid);
    if (!r.user)
      return res.status(401).json(common.error('invalid_token', 'session revoked'));
    res.json(r.user);
  });

  app.get('/v1/verify', (req, res) => {
    const claims = authenticate(req, res);
    if (!claims) return;
    res.set({
      'X-Auth-Subject': claims.sub,
      'X-Auth-Session': claims.sid,
      'X-Auth-Roles': Array.isArray(claims.roles) ? claims.roles.join(',') : '',
    }).status(200).end();
  });

  app.get('/healthz', (req, res) => res.json({ status: 'ok', db: 'ok' }));

  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    res.status(err.status || 500).json(common.error(
      err.status === 400 ? 'invalid_request' : 'server_error', err.message));
  });

  app.listen(cfg.port, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}

'use strict';
/*
 * bench/peers/common/cluster.js - what the two Node.js peers share: the
 * node:cluster set-up, the keys, and the store.
 *
 * The primary process generates the ES256 signing key and the refresh
 * HMAC key, hands them to the workers in their environment (so a token
 * signed by one worker verifies in the other), and holds the state:
 * users and sessions in Maps.  The workers serve HTTP and reach the state
 * by IPC, one message and one answer per operation, as they would reach
 * a database; /v1/verify needs no state at all.
 *
 * Environment: PORT (required), PEER_WORKERS (default 2), PEER_ISSUER
 * (default http://127.0.0.1:PORT), PEER_ACCESS_TTL (default 900).
 */
const cluster = require('node:cluster');
const crypto = require('node:crypto');

const ACCESS_TTL = 900;
const REFRESH_TTL = 1209600;
const REUSE_GRACE_MS = 10000;

function b64url(buf) {
  return Buffer.from(buf).toString('base64url');
}

/* ---- primary: keys, workers and the store -------------------------- */

function runPrimary() {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const env = {
    PEER_PRIVATE_PEM: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    PEER_REFRESH_SECRET: b64url(crypto.randomBytes(32)),
  };
  const users = new Map();          /* id -> user */
  const byName = new Map();         /* lower-case name -> user */
  const sessions = new Map();       /* id -> session */

  const ops = {
    createUser(username, hash) {
      const key = username.toLowerCase();
      if (byName.has(key)) return { conflict: true };
      const u = {
        id: crypto.randomUUID(), username, hash, roles: ['user'],
        created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      };
      users.set(u.id, u);
      byName.set(key, u);
      return { user: publicUser(u) };
    },
    userByName(username) {
      const u = byName.get(username.toLowerCase());
      return u ? { user: publicUser(u), hash: u.hash } : {};
    },
    createSession(userId, now) {
      const s = {
        id: crypto.randomUUID(), userId, gen: 0, rotatedAt: now,
        createdAt: now, expiresAt: now + REFRESH_TTL * 1000, revoked: false,
      };
      sessions.set(s.id, s);
      return { sid: s.id, gen: 0 };
    },
    /* The compare-and-set of a refresh: gen must be the session's. */
    rotate(sid, sub, gen, now) {
      const s = sessions.get(sid);
      const u = s && users.get(s.userId);
      if (!s || !u || s.revoked || s.expiresAt <= now || s.userId !== sub)
        return { status: 'dead' };
      if (gen === s.gen) {
        s.gen += 1;
        s.rotatedAt = now;
        s.expiresAt = now + REFRESH_TTL * 1000;
        return { status: 'ok', gen: s.gen, user: publicUser(u) };
      }
      if (gen === s.gen - 1 && now - s.rotatedAt < REUSE_GRACE_MS)
        return { status: 'ok', gen: s.gen, user: publicUser(u) };
      s.revoked = true;
      return { status: 'reuse' };
    },
    me(userId, sid) {
      const s = sessions.get(sid);
      const u = users.get(userId);
      if (!s || s.revoked || !u || s.userId !== userId) return {};
      return { user: publicUser(u) };
    },
  };

  let stopping = false;
  const n = Number(process.env.PEER_WORKERS || 2);
  for (let i = 0; i < n; i++) cluster.fork(env);
  cluster.on('message', (worker, msg) => {
    let result;
    try {
      result = ops[msg.op](...msg.args);
    } catch (e) {
      result = { error: String(e) };
    }
    worker.send({ id: msg.id, result });
  });
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      console.error(`worker ${w.process.pid} died (${signal || code})`);
      process.exit(1);
    }
  });
  const stop = () => {
    stopping = true;
    for (const id in cluster.workers) cluster.workers[id].process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function publicUser(u) {
  return { id: u.id, username: u.username, roles: u.roles, created_at: u.created_at };
}

/* ---- worker: the store client and the settings --------------------- */

function storeClient() {
  let next = 1;
  const pending = new Map();
  process.on('message', (msg) => {
    const p = pending.get(msg.id);
    if (p) {
      pending.delete(msg.id);
      p(msg.result);
    }
  });
  const call = (op, ...args) => new Promise((resolve) => {
    const id = next++;
    pending.set(id, resolve);
    process.send({ id, op, args });
  });
  return {
    createUser: (name, hash) => call('createUser', name, hash),
    userByName: (name) => call('userByName', name),
    createSession: (userId) => call('createSession', userId, Date.now()),
    rotate: (sid, sub, gen) => call('rotate', sid, sub, gen, Date.now()),
    me: (userId, sid) => call('me', userId, sid),
  };
}

/* The RFC 7638 thumbprint of an EC public key. */
function thumbprint(publicKey) {
  const jwk = publicKey.export({ format: 'jwk' });
  const canon = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return b64url(crypto.createHash('sha256').update(canon).digest());
}

function settings() {
  const port = Number(process.env.PORT);
  const privatePem = process.env.PEER_PRIVATE_PEM;
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicKey = crypto.createPublicKey(privateKey);
  const issuer = process.env.PEER_ISSUER || `http://127.0.0.1:${port}`;
  return {
    port,
    issuer,
    audience: issuer,
    privatePem,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    privateKey,
    publicKey,
    kid: thumbprint(publicKey),
    refreshSecret: Buffer.from(process.env.PEER_REFRESH_SECRET, 'base64url'),
    /* As a KeyObject too: jsonwebtoken given a Buffer first tries it as
     * a private and as a public key, at about 1 ms a token. */
    refreshKey: crypto.createSecretKey(
      Buffer.from(process.env.PEER_REFRESH_SECRET, 'base64url')),
    accessTtl: Number(process.env.PEER_ACCESS_TTL || ACCESS_TTL),
    refreshTtl: REFRESH_TTL,
  };
}

/* The claims of API.md's two tokens. */
function accessClaims(cfg, user, sid) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: cfg.issuer, sub: user.id, aud: cfg.audience, exp: now + cfg.accessTtl,
    iat: now, nbf: now, jti: b64url(crypto.randomBytes(16)), sid, roles: user.roles,
  };
}

function refreshClaims(cfg, user, sid, gen) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: cfg.issuer, sub: user.id, aud: cfg.issuer, exp: now + cfg.refreshTtl,
    iat: now, jti: b64url(crypto.randomBytes(16)), sid, gen,
  };
}

function tokenResponse(cfg, access, refresh, sid) {
  return {
    access_token: access, token_type: 'Bearer', expires_in: cfg.accessTtl,
    refresh_token: refresh, refresh_expires_in: cfg.refreshTtl, session_id: sid,
  };
}

/* "Bearer <token>" -> token, or null. */
function bearer(header) {
  if (typeof header !== 'string') return null;
  const m = /^bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(header);
  return m ? m[1] : null;
}

/* A password of API.md: 8..72 bytes for bcrypt. */
function credentials(body) {
  if (!body || typeof body.username !== 'string' || typeof body.password !== 'string')
    return null;
  const n = Buffer.byteLength(body.password);
  if (body.username.length < 1 || body.username.length > 64 || n < 8 || n > 72)
    return null;
  return { username: body.username, password: body.password };
}

function error(code, description) {
  return { error: code, error_description: description };
}

module.exports = {
  isPrimary: cluster.isPrimary,
  runPrimary, storeClient, settings, accessClaims, refreshClaims,
  tokenResponse, bearer, credentials, error,
  BCRYPT_COST: 10,
};

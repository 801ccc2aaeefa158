#!/usr/bin/env node
// Verifies jotd access tokens with node `jose`, given only the server's
// JWKS document.
//
//   node jose_verify.mjs < requests.json
//
// stdin: a JSON array of {"id", "alg", "jwks", "token", "issuer",
// "audience"}.  stdout: a JSON array of {"id", "ok": true, "header",
// "payload"} or {"id", "ok": false, "error"}.  Each token must verify
// with createLocalJWKSet(jwks) + jwtVerify, accepting only "alg", with
// that issuer and audience and typ "at+jwt".
//
// jose comes from tests/interop/node_modules (npm ci --prefix tests/interop).
import { readFileSync } from 'node:fs';

const pkgUrl = new URL('../interop/node_modules/jose/package.json',
    import.meta.url);
const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8'));
const entry = pkg.exports?.['.']?.import ?? './dist/node/esm/index.js';
const jose = await import(new URL(entry, pkgUrl).href);

const requests = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const r of requests) {
    try {
        const keys = jose.createLocalJWKSet(r.jwks);
        const { payload, protectedHeader } = await jose.jwtVerify(
            r.token, keys, {
                algorithms: [r.alg],
                issuer: r.issuer,
                audience: r.audience,
                typ: 'at+jwt',
            });
        out.push({ id: r.id, ok: true, header: protectedHeader, payload });
    } catch (e) {
        out.push({ id: r.id, ok: false,
                   error: `${e.code ?? e.name}: ${e.message}` });
    }
}
process.stdout.write(JSON.stringify(out) + '\n');

#!/usr/bin/env node
// Node `jose` side of the jot interoperability tests.
//
//   jose_peer.mjs sign ALG JWK_FILE CLAIMS_JSON     prints a compact token
//   jose_peer.mjs verify ALG PUBLIC_JWK_FILE TOKEN  prints the claims, exit 0,
//                                                   or the reason, exit 1
//   jose_peer.mjs batch                             runs one command per line
//                                                   of stdin
//
// In batch mode each input line is a command with its arguments separated by
// tabs, and each output line is the command's exit status, a tab, and what
// it printed (on one line).  One process then serves a whole test run.
//
// Keys are JWKs as written by `jot keygen`.  Verification is strict: only
// ALG is accepted, the JWK's own "alg" must agree, and exp/nbf are checked.
// The audience is not checked (the caller compares the claims instead).
// Exit status 2 means a usage error.
import { readFileSync } from 'node:fs';
import * as jose from 'jose';

const ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512',
    'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

class Usage extends Error {}

async function loadKey(alg, path) {
    if (!ALGS.includes(alg))
        throw new Usage(`unsupported algorithm ${alg}`);
    const jwk = JSON.parse(readFileSync(path, 'utf8'));
    if (jwk.alg !== undefined && jwk.alg !== alg)
        throw new Error(`key is for ${jwk.alg}, not ${alg}`);
    return { jwk, key: await jose.importJWK(jwk, alg) };
}

async function sign(alg, jwkFile, claimsJson) {
    const { jwk, key } = await loadKey(alg, jwkFile);
    const header = { alg, typ: 'JWT' };
    if (jwk.kid !== undefined)
        header.kid = jwk.kid;
    return new jose.SignJWT(JSON.parse(claimsJson))
        .setProtectedHeader(header)
        .sign(key);
}

async function verify(alg, jwkFile, token) {
    const { key } = await loadKey(alg, jwkFile);
    const { payload } = await jose.jwtVerify(token, key, { algorithms: [alg] });
    return JSON.stringify(payload);
}

// name -> [function, number of arguments, exit status on failure]
const COMMANDS = { sign: [sign, 3, 2], verify: [verify, 3, 1] };

// Runs one command; returns [exit status, text to print].
async function run(argv) {
    const cmd = COMMANDS[argv[0]];
    if (cmd === undefined)
        return [2, 'usage: jose_peer.mjs sign|verify|batch ARGS'];
    const [func, nArgs, status] = cmd;
    if (argv.length !== nArgs + 1)
        return [2, `${argv[0]}: expected ${nArgs} arguments`];
    try {
        return [0, await func(...argv.slice(1))];
    } catch (e) {
        return [e instanceof Usage ? 2 : status,
            `${argv[0]}: ${e.code ?? e.name}: ${e.message}`];
    }
}

async function main(argv) {
    if (argv.length === 1 && argv[0] === 'batch') {
        const lines = readFileSync(0, 'utf8').split('\n');
        if (lines[lines.length - 1] === '')
            lines.pop();
        const out = [];
        for (const line of lines) {
            const [status, text] = await run(line.split('\t'));
            out.push(`${status}\t${text.replace(/\n/g, ' ')}\n`);
        }
        process.stdout.write(out.join(''));
        return 0;
    }
    const [status, text] = await run(argv);
    (status === 0 ? process.stdout : process.stderr).write(`${text}\n`);
    return status;
}

process.exitCode = await main(process.argv.slice(2));

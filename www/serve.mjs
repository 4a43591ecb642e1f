// The static site server for local use (the stack, tests, benchmarks). Loopback only. Sends the headers the
// site's `_headers` file names (the same file a static host applies in production): Referrer-Policy, the CSP,
// nosniff. With `config`, the inline `#handoff-config` block of every HTML page and the CSP's connect-src (Cognito,
// and the edge when the config has `edgeUrl`) are replaced at serve time (a stack's Cognito endpoint is only known
// when it starts).
//
//   node www/serve.mjs --root target/web/site [--port 0] [--config FILE]   (prints `listening <url>`)

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve, sep, extname } from 'node:path';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { pathToFileURL } from 'node:url';

import { connectSources, inlineConfig, parseHeaders } from './site.mjs';

export const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.ts', '.txt']);

function matches(pattern, path) {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

/**
 * Starts the server. `root`: the built site; `config`: optional configuration object to serve instead of the
 * built one; `rules`: header rules applied after the site's `_headers` (a later rule's header wins), for a page only
 * a benchmark serves. Resolves to `{ server, url, close() }`.
 */
export async function serve({ root, port = 0, config = null, rules: extra = [] }) {
  root = resolve(root);
  let rules = [];
  try {
    rules = [...parseHeaders(await readFile(join(root, '_headers'), 'utf8')), ...extra];
  } catch {
    throw new Error(`${root}/_headers is missing: build the site with \`cargo xtask build-web\``);
  }
  const connectSrc = config ? connectSources(config) : null;
  const cache = new Map();

  async function load(path) {
    if (cache.has(path)) return cache.get(path);
    let body = await readFile(path);
    const ext = extname(path);
    if (ext === '.html' && config) body = Buffer.from(inlineConfig(body.toString('utf8'), config));
    const entry = { body, ext, gzip: null, br: null };
    if (COMPRESSIBLE.has(ext)) {
      entry.gzip = gzipSync(body, { level: 9 });
      entry.br = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } });
    }
    cache.set(path, entry);
    return entry;
  }

  async function find(urlPath) {
    const candidates = [urlPath];
    if (urlPath.endsWith('/')) candidates.push(`${urlPath}index.html`);
    else candidates.push(`${urlPath}/index.html`);
    // Paths without a file extension belong to the web app (a single-page app): serve its index.
    if (!extname(urlPath)) candidates.push('/index.html');
    for (const candidate of candidates) {
      const file = resolve(join(root, candidate));
      if (file !== root && !file.startsWith(root + sep)) return null;
      try {
        if ((await stat(file)).isFile()) return file;
      } catch {
        // try the next candidate
      }
    }
    return null;
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let urlPath;
    try {
      urlPath = decodeURIComponent(url.pathname);
    } catch {
      urlPath = null;
    }
    const headers = {};
    for (const rule of rules) if (matches(rule.pattern, url.pathname)) Object.assign(headers, rule.headers);
    if (connectSrc && headers['Content-Security-Policy']) {
      headers['Content-Security-Policy'] = headers['Content-Security-Policy'].replace(
        /connect-src [^;]*/,
        `connect-src ${connectSrc}`,
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed');
      return;
    }
    const file = urlPath && !urlPath.includes('\0') && !urlPath.split('/').includes('_headers')
      ? await find(urlPath)
      : null;
    if (!file) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    const entry = await load(file);
    const accept = String(req.headers['accept-encoding'] ?? '');
    let body = entry.body;
    if (entry.br && /\bbr\b/.test(accept)) {
      body = entry.br;
      headers['Content-Encoding'] = 'br';
    } else if (entry.gzip && /\bgzip\b/.test(accept)) {
      body = entry.gzip;
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Type'] = TYPES[entry.ext] ?? 'application/octet-stream';
    headers['Content-Length'] = body.length;
    headers['Cache-Control'] = entry.ext === '.html' ? 'no-store' : 'no-cache';
    headers.Vary = 'Accept-Encoding';
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });

  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return { server, url, close: () => new Promise((ok) => server.close(ok)) };
}

async function main(argv) {
  const args = { root: null, port: 0, config: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--root') args.root = value;
    else if (flag === '--port') args.port = Number(value);
    else if (flag === '--config') args.config = JSON.parse(await readFile(value, 'utf8'));
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!args.root) throw new Error('usage: node www/serve.mjs --root DIR [--port N] [--config FILE]');
  const { url, close } = await serve(args);
  console.log(`listening ${url}`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => close().then(() => process.exit(0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  });
}

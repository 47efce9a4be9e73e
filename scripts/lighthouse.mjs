// Lighthouse scores of Mizan's pages, for the bench.
//   node scripts/lighthouse.mjs <base-url> [--json] [--reports <dir>]
// Default Lighthouse settings (mobile, simulated throttling), categories performance,
// accessibility, best practices and SEO, one headless Chromium for all pages. /account
// and /chat/lobby are measured signed in, as a user this script signs up. Prints a
// markdown table, or with --json an array of {page, scores, lcp_ms, tbt_ms, script_bytes,
// failing};
// --reports also saves each page's full Lighthouse result (LHR JSON) there, to read
// what each audit found.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const PAGES = ['/', '/login', '/signup', '/greet', '/contact', '/chat/lobby', '/account'];
// Chat sends visitors to /login, so it is measured signed in too.
const SIGNED_IN = new Set(['/chat/lobby', '/account']);
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const CHROME_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';
const CHROME_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function fail(message) {
  console.error(`lighthouse: ${message}`);
  process.exit(1);
}

const USAGE = 'usage: node scripts/lighthouse.mjs <base-url> [--json] [--reports <dir>]';
let base = null, json = false, reports = null;
for (const args = process.argv.slice(2); args.length;) {
  const arg = args.shift();
  if (arg === '--json') json = true;
  else if (arg === '--reports' && args.length) reports = args.shift();
  else if (!arg.startsWith('--') && !base) base = arg;
  else fail(USAGE);
}
if (!base) fail(USAGE);
const url = (path) => new URL(path, base).href;
if (reports) mkdirSync(reports, { recursive: true });

// The server must answer before Chromium is started.
try {
  const response = await fetch(url('/'));
  if (!response.ok) fail(`${url('/')} answered ${response.status}`);
} catch (error) {
  fail(`the server at ${base} is not reachable (${error.cause?.code ?? error.message})`);
}
if (!existsSync(CHROME_PATH)) {
  fail(`no Chromium at ${CHROME_PATH} (set CHROME_PATH, or apt-get install chromium)`);
}

// A fresh user for the signed-in pages: sign-up answers with its session cookie.
async function sessionCookie() {
  const form = new URLSearchParams({
    name: 'Lighthouse', email: `lh-${Date.now()}@example.com`, password: 'lighthouse-password-2024',
  });
  const response = await fetch(url('/api/signup.submit'), { method: 'POST', body: form });
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0])
    .find((c) => c.startsWith('mizan_session='));
  if (!response.ok || !cookie) fail(`sign-up failed: ${response.status} ${(await response.text()).slice(0, 200)}`);
  return cookie;
}

// Signed up before Chromium starts: fail() exits without closing it.
const cookie = await sessionCookie();
let chrome;
try {
  chrome = await chromeLauncher.launch({ chromePath: CHROME_PATH, chromeFlags: CHROME_FLAGS });
} catch (error) {
  fail(`could not start Chromium at ${CHROME_PATH}: ${error.message}`);
}

const rows = [];
let broken = false;
try {
  for (const page of PAGES) {
    const started = Date.now();
    const flags = { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES };
    if (SIGNED_IN.has(page)) flags.extraHeaders = { Cookie: cookie };
    const { lhr } = await lighthouse(url(page), flags);
    // A redirect (to /login?next=… for a signed-in page whose cookie did not work)
    // would score another page: flag it, and make the run fail.
    const final = new URL(lhr.finalDisplayedUrl).pathname;
    const problem = lhr.runtimeError?.message
      ?? (final === page ? null : `ended on ${lhr.finalDisplayedUrl}, not ${page}`);
    if (problem) {
      console.error(`lighthouse: ${page}: ${problem}`);
      broken = true;
    }
    const name = page === '/' ? 'home' : page.slice(1).replaceAll('/', '-');
    if (reports) writeFileSync(`${reports}/${name}.json`, JSON.stringify(lhr));
    const score = (id) => (lhr.categories[id]?.score == null
      ? null : Math.round(lhr.categories[id].score * 100));
    // Audits short of full marks in the categories that should reach 100; null scores
    // are informative, manual or not applicable.
    const failing = [...new Set(CATEGORIES.slice(1).flatMap((id) => lhr.categories[id]?.auditRefs ?? [])
      .map((ref) => ref.id).filter((id) => lhr.audits[id]?.score != null && lhr.audits[id].score < 1))];
    const ms = (id) => (lhr.audits[id]?.numericValue == null
      ? null : Math.round(lhr.audits[id].numericValue));
    // What the page transferred of JavaScript and WebAssembly (the split parts included).
    const script_bytes = (lhr.audits['network-requests']?.details?.items ?? [])
      .filter((r) => /\.(js|wasm)$/.test(new URL(r.url).pathname))
      .reduce((sum, r) => sum + (r.transferSize ?? 0), 0);
    rows.push({
      page, performance: score('performance'), accessibility: score('accessibility'),
      best_practices: score('best-practices'), seo: score('seo'),
      lcp_ms: ms('largest-contentful-paint'), tbt_ms: ms('total-blocking-time'), script_bytes, failing,
    });
    console.error(`lighthouse: ${page} measured in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  chrome.kill();
}

if (json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log('| page | performance | accessibility | best practices | SEO |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const scores = [r.performance, r.accessibility, r.best_practices, r.seo];
    console.log(`| ${r.page} | ${scores.map((s) => s ?? '-').join(' | ')} |`);
  }
}
process.exit(broken ? 1 : 0);

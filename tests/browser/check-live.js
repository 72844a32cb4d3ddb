// check-live.js: watches the live page of `flowrun run --ui` in headless Chromium and prints what it saw, as JSON.
//
//   node tests/browser/check-live.js URL SCREENSHOT.png [SECONDS]
//
// Opens URL (Debian's /usr/bin/chromium through playwright-core, a new empty
// profile), reads the live bar's request count every 250 ms until the page says
// the run finished or SECONDS (default 30) pass, and records console errors and
// every request that is not to URL's own origin. Takes a screenshot half-way.
// Exits 2 when the browser cannot run, 0 otherwise: the test judges the JSON.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function main() {
	const [url, shot, secs] = process.argv.slice(2);
	const origin = new URL(url).origin;
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'flowrun-chromium-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS, headless: true,
		viewport: { width: 1280, height: 900 }, timeout: 30000 });
	const page = ctx.pages()[0] || await ctx.newPage();
	const out = { errors: [], foreign: [], values: [], renders: 0, done: false };
	page.on('console', (m) => { if (m.type() === 'error') out.errors.push(m.text()); });
	page.on('pageerror', (e) => out.errors.push(String(e)));
	page.on('request', (r) => { if (!r.url().startsWith(origin + '/')) out.foreign.push(r.url()); });
	await page.goto(url, { timeout: 30000 });
	const until = Date.now() + (+secs || 30) * 1000;
	let shotTaken = false;
	while (Date.now() < until) {
		const s = await page.evaluate(() => {
			const r = document.getElementById('live-requests');
			const live = document.getElementById('live');
			return { requests: r ? r.textContent : null, done: !!(live && /finished/.test(live.textContent)),
				renders: window.flowrunRenders || 0 };
		}).catch(() => ({ requests: null, done: false, renders: 0 }));
		if (s.requests !== null && out.values[out.values.length - 1] !== s.requests)
			out.values.push(s.requests);
		out.renders = s.renders;
		if (!shotTaken && out.values.length >= 3) {
			await page.screenshot({ path: shot, fullPage: false });
			shotTaken = true;
		}
		if (s.done) {
			out.done = true;
			break;
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	out.changes = out.values.length - 1;
	await ctx.close();
	fs.rmSync(profile, { recursive: true, force: true });
	process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
	process.stderr.write('check-live: ' + (e && e.stack || e) + '\n');
	process.exit(2);
});

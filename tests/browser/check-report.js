// check-report.js: opens a flowrun HTML report in headless Chromium and prints what a test needs to know, as JSON.
//
//   node tests/browser/check-report.js PAGE.html SCREENSHOT.png
//
// Loads the page from file:// (Debian's /usr/bin/chromium through playwright-core,
// a new empty profile), records console errors, page errors and every request,
// reads each chart's data from window.flowrunCharts (points, series with data,
// fault bands, stage lines, SLO lines), the SLO table's rows, whether the page
// fits a phone's width and follows a dark colour scheme, and takes full-page
// screenshots at 1280 px (SCREENSHOT), 390 px (-phone) and dark (-dark).
// Exits 2 when the browser cannot run, 0 otherwise: the test judges the JSON.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Opens PAGE in a fresh profile with VIEWPORT and SCHEME; returns the context, the page and what it recorded.
async function open(page, viewport, scheme) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'flowrun-chromium-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS, headless: true,
		viewport, colorScheme: scheme, timeout: 30000 });
	const p = ctx.pages()[0] || await ctx.newPage();
	const seen = { errors: [], requests: [] };
	p.on('console', (m) => { if (m.type() === 'error') seen.errors.push(m.text()); });
	p.on('pageerror', (e) => seen.errors.push(String(e)));
	p.on('request', (r) => seen.requests.push(r.url()));
	await p.goto('file://' + path.resolve(page), { timeout: 30000 });
	await p.waitForSelector('body[data-rendered]', { timeout: 15000 });
	return { ctx, p, seen, profile };
}

// Closes a context and removes its profile.
async function close(o) {
	await o.ctx.close();
	fs.rmSync(o.profile, { recursive: true, force: true });
}

// Everything the test checks, read from the page.
function facts() {
	const nonNull = (a) => a.some((v) => v !== null && v !== undefined && !Number.isNaN(v));
	return {
		title: document.title,
		charts: window.flowrunCharts.map((c) => ({
			kind: c.kind, key: c.key, points: c.u.data[0].length,
			series: c.u.data.length - 1,
			drawn: c.u.data.slice(1).filter(nonNull).length,
			bands: c.bands, stages: c.stages, lines: c.lines,
		})),
		bandItems: [...document.querySelectorAll('ul.bands li[data-start-us]')].map((li) => ({
			start_us: +li.dataset.startUs, end_us: +li.dataset.endUs, text: li.textContent })),
		slos: [...document.querySelectorAll('#slo-table tbody tr')].map((tr) => ({
			slo: tr.dataset.slo, window: +tr.dataset.window, verdict: tr.dataset.verdict,
			text: tr.lastElementChild.textContent })),
		canvases: document.querySelectorAll('canvas').length,
		overflow: document.documentElement.scrollWidth - window.innerWidth,
		background: getComputedStyle(document.body).backgroundColor,
	};
}

async function main() {
	const [page, shot] = process.argv.slice(2);
	const out = {};
	const wide = await open(page, { width: 1280, height: 900 }, 'light');
	out.wide = await wide.p.evaluate(facts);
	out.wide.errors = wide.seen.errors;
	out.wide.requests = wide.seen.requests;
	await wide.p.screenshot({ path: shot, fullPage: true });
	await close(wide);
	const phone = await open(page, { width: 390, height: 844 }, 'light');
	out.phone = { overflow: (await phone.p.evaluate(facts)).overflow, errors: phone.seen.errors };
	await phone.p.screenshot({ path: shot.replace(/\.png$/, '-phone.png'), fullPage: true });
	await close(phone);
	const dark = await open(page, { width: 1280, height: 900 }, 'dark');
	out.dark = { background: (await dark.p.evaluate(facts)).background, errors: dark.seen.errors };
	await dark.p.screenshot({ path: shot.replace(/\.png$/, '-dark.png'), fullPage: false });
	await close(dark);
	process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
	process.stderr.write('check-report: ' + (e && e.stack || e) + '\n');
	process.exit(2);
});

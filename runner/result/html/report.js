/* report.js: draws flowrun's HTML report from the view embedded in the page
 * (result/report_view.c), or, on the live page of `flowrun run --ui`, from the
 * view the run serves at window.FLOWRUN_LIVE, fetched every second.
 * Charts are uPlot's; every chart is also listed in window.flowrunCharts
 * (kind, key, the uPlot object, its fault bands, stage lines and SLO lines),
 * which the browser tests read. No request leaves the page except the live
 * page's own fetches of its data. */
(function () {
	'use strict';
	var LIVE = window.FLOWRUN_LIVE || null;
	var charts = [];
	window.flowrunCharts = charts;
	window.flowrunRenders = 0;

	/* Creates an element: el('td', {class: 'num'}, 'text', child…). */
	function el(tag, attrs) {
		var e = document.createElement(tag);
		for (var k in attrs || {})
			if (attrs[k] !== undefined && attrs[k] !== null)
				e.setAttribute(k, attrs[k]);
		for (var i = 2; i < arguments.length; i++) {
			var c = arguments[i];
			if (c === null || c === undefined)
				continue;
			e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
		}
		return e;
	}

	/* A latency in microseconds the way flowrun writes it: 850us, 7.30ms, 1.20s. */
	function fmtUs(us) {
		if (us === null || us === undefined || isNaN(us))
			return '-';
		if (us < 1000)
			return Math.round(us) + 'us';
		if (us < 1e6)
			return (us / 1000).toPrecision(3) + 'ms';
		return (us / 1e6).toPrecision(3) + 's';
	}
	function fmtMs(ms) {
		return ms === null || ms === undefined ? '-' : fmtUs(ms * 1000);
	}
	function fmtNum(n, digits) {
		if (n === null || n === undefined || isNaN(n))
			return '-';
		return Number(n).toLocaleString('en-US', {maximumFractionDigits: digits === undefined ? 1 : digits});
	}
	function fmtSecs(s) {
		if (s > 0 && s < 1)
			return fmtUs(s * 1e6);
		return s < 60 ? fmtNum(s, 1) + 's' : Math.floor(s / 60) + 'm' + fmtNum(s % 60, 0) + 's';
	}
	function css(name) {
		return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
	}

	/* Fault windows on the timeline: consecutive segments where a fault is active. */
	function faultBands(doc) {
		var bands = [], open = {};
		(doc.segments || []).forEach(function (s, i) {
			var now = {};
			s.faults.forEach(function (f) {
				now[f] = 1;
				var b = open[f];
				if (b && b.pass === s.pass && b.end_us === s.start_us)
					b.end_us = s.end_us;
				else {
					b = {fault: f, pass: s.pass, start_us: s.start_us, end_us: s.end_us,
					     name: ((doc.plan.faults || [])[f] || {}).name || ('fault ' + f)};
					bands.push(b);
					open[f] = b;
				}
			});
			for (var f in open)
				if (!now[f])
					delete open[f];
		});
		return bands;
	}

	/* Stage boundaries: where a scenario's stage (or the pass) changes. */
	function stageMarks(doc) {
		var marks = [], segs = doc.segments || [], scs = doc.plan.scenarios || [];
		segs.forEach(function (s, i) {
			var p = segs[i - 1];
			s.stages.forEach(function (st, sc) {
				if (st < 0 || (p && p.pass === s.pass && p.stages[sc] === st))
					return;
				if (s.start_us === 0 && !(doc.plan.passes > 1))
					return; /* the start of a run without sweep is no boundary */
				var stage = (scs[sc] && scs[sc].stages[st]) || {};
				var name = stage.name || ('stage ' + (st + 1));
				var label = name + (stage.level !== undefined ? ' (' + fmtNum(stage.level) + ')' : '');
				if (doc.plan.passes > 1 && doc.plan.sweep_param)
					label += ' ' + doc.plan.sweep_param + '=' + doc.plan.sweep_values[s.pass];
				marks.push({at_us: s.start_us, scenario: scs[sc] ? scs[sc].name : null, stage: st, label: label});
			});
		});
		return marks;
	}

	/* The stage marks of scenario NAME. */
	function of(marks, name) {
		return marks.filter(function (m) { return m.scenario === name; });
	}

	/* The SLO threshold lines that apply to KEY (latency-type stats on its series). */
	function thresholds(doc, key) {
		var out = [], seen = {};
		var ws = key.kind === 'websocket';
		(doc.verdicts || []).forEach(function (v) {
			if (!/^(p[0-9.]+|max|mean)$/.test(v.stat) || v.series !== (ws ? 'delivery' : 'latency'))
				return;
			var slo = (doc.plan.slos || []).filter(function (s) { return s.name === v.slo; })[0] || {};
			if (slo.scenario && slo.scenario !== key.scenario)
				return;
			if (slo.request) {
				var parts = key.name.split('/');
				if (parts.indexOf(slo.request) < 1)
					return;
			} else if (key.parent)
				return;
			var id = v.slo + v.threshold;
			if (seen[id])
				return;
			seen[id] = 1;
			out.push({slo: v.slo, stat: v.stat, us: v.threshold, label: v.slo + ' ' + v.stat + ' ' + v.threshold_text});
		});
		return out;
	}

	/* Draws fault bands, stage lines and threshold lines under the series. */
	function overlay(info) {
		return function (u) {
			var ctx = u.ctx, b = u.bbox, dpr = devicePixelRatio || 1;
			ctx.save();
			ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
			ctx.textBaseline = 'top';
			ctx.textAlign = 'left';
			(info.bands || []).forEach(function (band) {
				var x0 = u.valToPos(band.start_us / 1e6, 'x', true), x1 = u.valToPos(band.end_us / 1e6, 'x', true);
				x0 = Math.max(x0, b.left);
				x1 = Math.min(x1, b.left + b.width);
				if (x1 <= x0)
					return;
				ctx.fillStyle = css('--band');
				ctx.fillRect(x0, b.top, x1 - x0, b.height);
				ctx.strokeStyle = css('--band-edge');
				ctx.lineWidth = dpr;
				ctx.setLineDash([4 * dpr, 3 * dpr]);
				ctx.strokeRect(x0, b.top, x1 - x0, b.height);
				ctx.setLineDash([]);
				ctx.fillStyle = css('--fail');
				ctx.fillText('fault: ' + band.name, x0 + 3 * dpr, b.top + 2 * dpr, Math.max(x1 - x0 - 4 * dpr, 30 * dpr));
			});
			(info.stages || []).forEach(function (m) {
				var x = u.valToPos(m.at_us / 1e6, 'x', true);
				if (x < b.left || x > b.left + b.width)
					return;
				ctx.strokeStyle = css('--stage');
				ctx.lineWidth = dpr;
				ctx.setLineDash([2 * dpr, 3 * dpr]);
				ctx.beginPath();
				ctx.moveTo(x, b.top);
				ctx.lineTo(x, b.top + b.height);
				ctx.stroke();
				ctx.setLineDash([]);
				ctx.fillStyle = css('--stage');
				ctx.fillText(m.label, x + 3 * dpr, b.top + b.height - 14 * dpr);
			});
			(info.lines || []).forEach(function (t) {
				var y = u.valToPos(t.value, 'y', true);
				if (!isFinite(y) || y < b.top || y > b.top + b.height)
					return;
				ctx.strokeStyle = css('--warn');
				ctx.lineWidth = 1.5 * dpr;
				ctx.setLineDash([8 * dpr, 4 * dpr]);
				ctx.beginPath();
				ctx.moveTo(b.left, y);
				ctx.lineTo(b.left + b.width, y);
				ctx.stroke();
				ctx.setLineDash([]);
				ctx.fillStyle = css('--warn');
				ctx.textAlign = 'right';
				ctx.fillText(t.label, b.left + b.width - 4 * dpr, y + 2 * dpr);
				ctx.textAlign = 'left';
			});
			ctx.restore();
		};
	}

	var DASH = [null, [6, 4], [2, 3], [10, 3, 2, 3], [1, 2]];
	var reuse = []; /* the charts of the previous render, in order, while re-rendering */

	/* What a chart shows besides its series, for window.flowrunCharts. */
	function describe(o) {
		return {bands: (o.bands || []).map(function (b) { return {name: b.name, start_us: b.start_us, end_us: b.end_us}; }),
		        stages: (o.stages || []).map(function (m) { return {at_us: m.at_us, label: m.label}; }),
		        lines: (o.lines || []).map(function (t) { return {label: t.label, value: t.value}; })};
	}

	/* One chart in a figure: SERIES [{label, data, color, dash, fmt}], X the x values. */
	function chart(parent, o) {
		var fig = el('figure', {'data-kind': o.kind, 'data-key': o.key || null});
		fig.appendChild(el('figcaption', null, o.title, o.sub ? el('small', null, ' — ' + o.sub) : null));
		var box = el('div', {class: 'chart'});
		fig.appendChild(box);
		parent.appendChild(fig);
		if (o.bands && o.bands.length) {
			var ul = el('ul', {class: 'bands', 'aria-label': 'fault windows'});
			o.bands.forEach(function (b) {
				ul.appendChild(el('li', {'data-start-us': b.start_us, 'data-end-us': b.end_us},
				                  'fault ' + b.name + ': ' + fmtSecs(b.start_us / 1e6) + ' to ' + fmtSecs(b.end_us / 1e6)));
			});
			fig.appendChild(ul);
		}
		if (o.lines && o.lines.length) {
			var sl = el('ul', {class: 'bands', 'aria-label': 'SLO thresholds'});
			o.lines.forEach(function (t) { sl.appendChild(el('li', null, 'SLO ' + t.label)); });
			fig.appendChild(sl);
		}
		var width = Math.max(280, box.clientWidth || parent.clientWidth || 600);
		var series = [{label: o.xlabel || 'time', value: function (u, v) { return v === null ? '-' : (o.xfmt || fmtSecs)(v); }}];
		o.series.forEach(function (s, i) {
			series.push({label: s.label, stroke: s.color, width: s.width || 1.5, dash: s.dash || DASH[i % DASH.length] || undefined,
			             spanGaps: false, points: {show: o.points || false, size: 6},
			             value: function (u, v) { return v === null || v === undefined ? '-' : (s.fmt || fmtNum)(v); }});
		});
		var data = [o.x].concat(o.series.map(function (s) { return s.data; }));
		var info = {bands: o.bands, stages: o.stages, lines: o.lines};
		var old = reuse.length ? reuse[0] : null;
		if (old && old.kind === o.kind && old.key === (o.key || null) && old.u.series.length === series.length) {
			/* the live page: keep the chart, give it the new data */
			reuse.shift();
			box.appendChild(old.u.root);
			old.info.bands = o.bands;
			old.info.stages = o.stages;
			old.info.lines = o.lines;
			old.points = o.x.length;
			old.bands = describe(o).bands;
			old.u.setData(data);
			charts.push(old);
			return old;
		}
		var opts = {
			width: width, height: o.height || (width < 500 ? 200 : 260),
			scales: {x: {time: false}, y: o.log ? {distr: 3, log: 10} : {range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; }}},
			axes: [
				{stroke: css('--muted'), grid: {stroke: css('--line'), width: 1}, ticks: {stroke: css('--line')},
				 label: o.xlabel || 'time (s)', values: o.xvalues || undefined, splits: o.xsplits || undefined},
				{stroke: css('--muted'), grid: {stroke: css('--line'), width: 1}, ticks: {stroke: css('--line')},
				 label: o.ylabel, size: 60, values: o.yvalues || undefined}
			],
			series: series,
			legend: {live: true},
			cursor: {drag: {x: true, y: false}},
			hooks: {drawAxes: [overlay(info)]}
		};
		if (o.xlog)
			opts.scales.x = {time: false, distr: 3, log: 10};
		var u = new uPlot(opts, data, box);
		var d = describe(o);
		var entry = {kind: o.kind, key: o.key || null, title: o.title, u: u, info: info, points: o.x.length,
		             bands: d.bands, stages: d.stages, lines: d.lines};
		charts.push(entry);
		return entry;
	}

	function section(app, title, note) {
		var s = el('section', {'aria-label': title});
		s.appendChild(el('h2', null, title));
		if (note)
			s.appendChild(el('p', {class: 'note'}, note));
		app.appendChild(s);
		return s;
	}

	function badge(word, cls) {
		return el('span', {class: 'badge ' + cls}, word);
	}

	/* The verdict of one SLO window in words (and a mark that needs no colour). */
	function verdictWord(v, live) {
		if (v.skipped && v.measured_text === 'not reached')
			return badge('NOT REACHED', 'skipped');
		if (v.skipped)
			return badge('SKIPPED', 'skipped');
		if (v.no_data && live)
			return badge('… PENDING', 'skipped');
		if (v.no_data)
			return badge('✘ NO DATA', 'nodata');
		return v.pass ? badge('✔ PASS', 'pass') : badge('✘ FAIL', 'fail');
	}

	function header(app, doc, view) {
		var word = (doc.result || 'pass').toUpperCase();
		document.title = 'flowrun: ' + doc.plan.name + ' — ' + word;
		app.appendChild(el('h1', null, 'flowrun · ' + doc.plan.name));
		if (doc.plan.description)
			app.appendChild(el('p', {class: 'note'}, doc.plan.description));
		var outcome = doc.outcome || '', cls = doc.result || 'pass';
		if (view.live && !view.live.done) {
			/* while the run goes: what holds so far, windows without data yet pending */
			var vs = (doc.verdicts || []).filter(function (v) { return !v.skipped; });
			var pending = vs.filter(function (v) { return v.no_data; }).length;
			var failing = vs.filter(function (v) { return !v.no_data && !v.pass; }).length;
			word = 'RUNNING';
			cls = failing ? 'fail' : 'nodata';
			outcome = 'so far: ' + (vs.length - pending - failing) + ' SLO windows met, ' + failing + ' failing, ' + pending + ' pending';
		}
		app.appendChild(el('p', {class: 'outcome', id: 'outcome'}, badge(word, cls), ' ', outcome));
		var dl = el('dl', {class: 'meta'});
		function row(k, v) {
			if (v !== null && v !== undefined && v !== '')
				dl.appendChild(el('dt', null, k)), dl.appendChild(el('dd', null, v));
		}
		row('plan', doc.plan.file || doc.plan.name);
		row('plan digest', doc.plan.digest);
		row('run id', doc.run_id);
		row('started', doc.started);
		row('ended', doc.ended);
		row('elapsed', fmtSecs((doc.elapsed_us || 0) / 1e6) + ' (' + fmtSecs((doc.plan.duration_us || 0) / 1e6) + ' planned)');
		row('time scale', doc.plan.time_scale);
		if (doc.plan.sweep_param)
			row('sweep', doc.plan.sweep_param + ' = ' + doc.plan.sweep_values.join(', '));
		if (view.series)
			row('interval', fmtSecs(view.series.interval_us / 1e6) + ' (' + view.series.intervals + ' intervals)');
		row('flowrun', doc.flowrun_version);
		if (doc.invalid)
			row('invalid', doc.invalid);
		if (doc.aborted_by)
			row('aborted by', doc.aborted_by.slo + ' (' + doc.aborted_by.label + ') at ' + fmtSecs(doc.aborted_by.at_us / 1e6));
		app.appendChild(dl);
	}

	function sloTable(app, doc, live) {
		var s = section(app, 'SLOs', live ? 'So far: each SLO window judged on the data up to now; a window without data yet is pending.'
		                                  : 'Each SLO window: the measured value against its threshold. Verdicts come from the exact histograms.');
		var t = el('table', {id: 'slo-table'});
		t.appendChild(el('thead', null, el('tr', null, el('th', null, 'SLO'), el('th', null, 'window'), el('th', null, 'stat'),
		                                     el('th', {class: 'num'}, 'measured'), el('th', null, 'threshold'), el('th', null, 'verdict'))));
		var tb = el('tbody');
		(doc.verdicts || []).forEach(function (v, i) {
			var verdict = v.skipped ? 'skipped' : v.no_data ? 'no-data' : v.pass ? 'pass' : 'fail';
			tb.appendChild(el('tr', {'data-slo': v.slo, 'data-window': v.window, 'data-verdict': verdict},
			                  el('td', null, v.slo), el('td', null, v.label), el('td', null, v.stat),
			                  el('td', {class: 'num'}, v.measured_text), el('td', null, v.threshold_text),
			                  el('td', null, verdictWord(v, live && !live.done))));
		});
		t.appendChild(tb);
		s.appendChild(el('div', {class: 'scroll'}, t));
	}

	/* x values of the intervals: the middle of each, in seconds of the timeline. */
	function xs(series) {
		var step = series.interval_us / 1e6, x = [];
		for (var i = 0; i < series.intervals; i++)
			x.push((i + 0.5) * step);
		return x;
	}
	function ms(a) {
		return a.map(function (v) { return v === null ? null : v / 1000; });
	}
	function perSecond(a, step) {
		return a.map(function (v) { return v === null ? null : v / step; });
	}
	function add(a, b) {
		return a ? a.map(function (v, i) { return v + (b[i] || 0); }) : b.slice();
	}

	function latencyCharts(app, doc, view, bands, stages) {
		var s = section(app, 'Latency over time', 'Per request key, per interval: p50, p95, p99 and max (from the interval histograms, within 3.2 %). ' +
		                'Shaded: fault windows; dotted: stage boundaries; dashed: SLO thresholds. Drag to zoom, double-click to reset.');
		var x = xs(view.series);
		view.series.keys.forEach(function (k, i) {
			var key = doc.keys[i];
			var ws = key.kind === 'websocket';
			var lines = thresholds(doc, key).map(function (t) { return {label: t.label, value: t.us / 1000}; });
			chart(s, {kind: 'latency', key: key.name, title: key.name, sub: ws ? 'delivery latency (ms)' : key.kind + ' latency (ms)',
			          x: x, log: true, ylabel: 'ms', bands: bands, stages: of(stages, key.scenario), lines: lines,
			          yvalues: function (u, vals) { return vals.map(function (v) { return fmtMs(v); }); },
			          series: [
				          {label: 'p50', data: ms(k.p50), color: css('--c1'), fmt: fmtMs},
				          {label: 'p95', data: ms(k.p95), color: css('--c2'), fmt: fmtMs},
				          {label: 'p99', data: ms(k.p99), color: css('--c3'), fmt: fmtMs},
				          {label: 'max', data: ms(k.max), color: css('--c4'), width: 1, fmt: fmtMs}
			          ]});
		});
	}

	function throughputCharts(app, doc, view, bands, stages) {
		var s = section(app, 'Throughput and errors', 'Requests per second by intended send time (top-level requests), the open model\'s planned sends, and errors by class.');
		var x = xs(view.series), step = view.series.interval_us / 1e6;
		doc.plan.scenarios.forEach(function (sc) {
			if (sc.model === 'websocket')
				return;
			var achieved = null, planned = null, errors = {};
			view.series.keys.forEach(function (k, i) {
				var key = doc.keys[i];
				if (key.scenario !== sc.name || key.parent)
					return;
				achieved = add(achieved, k.requests);
				if (k.counters.planned)
					planned = add(planned, k.counters.planned);
				for (var cls in k.errors)
					errors[cls] = add(errors[cls], k.errors[cls]);
			});
			if (!achieved)
				return;
			var ser = [{label: 'achieved req/s', data: perSecond(achieved, step), color: css('--c1'), width: 2}];
			if (planned)
				ser.push({label: 'planned req/s', data: perSecond(planned, step), color: css('--c4'), dash: [6, 4]});
			var colors = ['--c3', '--c2', '--c6', '--c5'];
			Object.keys(errors).forEach(function (cls, j) {
				ser.push({label: cls + ' /s', data: perSecond(errors[cls], step), color: css(colors[j % colors.length]), dash: DASH[(j + 2) % DASH.length]});
			});
			chart(s, {kind: 'throughput', key: sc.name, title: sc.name, sub: sc.model + ' model, per second', x: x,
			          ylabel: 'per second', bands: bands, stages: of(stages, sc.name), series: ser});
		});
	}

	function activeCharts(app, doc, view, bands, stages) {
		var any = doc.plan.scenarios.some(function (sc) { return sc.model !== 'open'; });
		if (!any)
			return;
		var s = section(app, 'Active users and viewers', 'The most users (closed model) or connected viewers (WebSocket) in each interval, all threads.');
		var x = xs(view.series);
		doc.plan.scenarios.forEach(function (sc, i) {
			if (sc.model === 'open')
				return;
			var what = sc.model === 'closed' ? 'users' : 'viewers';
			chart(s, {kind: 'active', key: sc.name, title: sc.name, sub: 'active ' + what, x: x, ylabel: what, bands: bands, stages: of(stages, sc.name),
			          series: [{label: what, data: view.series.active[i], color: css('--c6'), width: 2}]});
		});
	}

	function wsCharts(app, doc, view, bands, stages) {
		var keys = [];
		view.series.keys.forEach(function (k, i) {
			if (doc.keys[i].kind === 'websocket')
				keys.push([k, doc.keys[i]]);
		});
		if (!keys.length)
			return;
		var s = section(app, 'WebSocket deliveries', 'Deliveries received, lost and duplicated per interval, by the publish time of their event (delivery latency is above, under Latency over time).');
		var x = xs(view.series);
		keys.forEach(function (p) {
			var c = p[0].counters, z = x.map(function () { return 0; });
			chart(s, {kind: 'ws', key: p[1].name, title: p[1].name, sub: 'deliveries per interval', x: x, ylabel: 'deliveries',
			          bands: bands, stages: of(stages, p[1].scenario),
			          series: [{label: 'received', data: c['ws-received'] || z, color: css('--c5'), width: 2},
			                   {label: 'expected', data: c['ws-expected'] || z, color: css('--c4'), dash: [6, 4]},
			                   {label: 'lost', data: c['ws-lost'] || z, color: css('--c3'), dash: [2, 3], width: 2},
			                   {label: 'duplicate', data: c['ws-duplicate'] || z, color: css('--c2'), dash: [10, 3, 2, 3]}]});
		});
	}

	/* The points of the scenario curve: one per sweep value, or one per stage of an each-stage SLO. */
	function curvePoints(doc) {
		var wins = doc.windows || [], plan = doc.plan, bySlo = {};
		wins.forEach(function (w, i) {
			(bySlo[w.slo] = bySlo[w.slo] || []).push(i);
		});
		if (plan.passes > 1 && plan.sweep_param) {
			for (var slo in bySlo) {
				var ws = bySlo[slo];
				if (ws.length === plan.passes)
					return {xlabel: plan.sweep_param, points: ws.map(function (w) {
						var v = plan.sweep_values[wins[w].pass];
						return {window: w, x: isNaN(+v) ? wins[w].pass : +v, label: plan.sweep_param + '=' + v};
					})};
			}
			return null;
		}
		for (var name in bySlo) {
			var list = bySlo[name];
			if (list.length < 2 || !list.every(function (w) { return /^stage:/.test(wins[w].label); }))
				continue;
			var pts = [], unit = 'level';
			list.forEach(function (w) {
				var seg = doc.segments[wins[w].segments[0]];
				if (!seg)
					return;
				seg.stages.forEach(function (st, sc) {
					var scn = plan.scenarios[sc];
					if (st < 0 || pts.some(function (p) { return p.window === w; }))
						return;
					unit = scn.model === 'closed' ? 'users' : scn.model === 'open' ? 'requests/s' : 'viewers';
					pts.push({window: w, x: scn.stages[st].level, label: wins[w].label, scenario: scn.name});
				});
			});
			if (pts.length)
				return {xlabel: unit, points: pts};
		}
		return null;
	}

	function curveCharts(app, doc) {
		var c = curvePoints(doc);
		if (!c)
			return;
		var s = section(app, 'Scenario curve', 'Latency of each request key against the ' + c.xlabel + ': p50, p95 and p99 over each ' +
		                (doc.plan.sweep_param ? 'sweep pass' : 'stage') + ' (exact histograms), with each latency SLO\'s threshold.');
		c.points.sort(function (a, b) { return a.x - b.x; });
		var x = c.points.map(function (p) { return p.x; });
		doc.keys.forEach(function (key) {
			if (key.parent || (c.points[0].scenario && key.scenario !== c.points[0].scenario))
				return;
			var stat = key.kind === 'websocket' ? 'delivery' : 'latency';
			function q(name) {
				return c.points.map(function (p) {
					var w = (key.windows || []).filter(function (kw) { return kw.window === p.window; })[0];
					return w && w[stat] ? w[stat][name] / 1000 : null;
				});
			}
			var lines = thresholds(doc, key).map(function (t) { return {label: t.label, value: t.us / 1000}; });
			chart(s, {kind: 'curve', key: key.name, title: key.name, sub: stat + ' (ms) against ' + c.xlabel, x: x, points: true,
			          xlabel: c.xlabel, xfmt: function (v) { return fmtNum(v); }, ylabel: 'ms', lines: lines, log: true,
			          yvalues: function (u, vals) { return vals.map(fmtMs); },
			          series: [{label: 'p50', data: q('p50'), color: css('--c1'), fmt: fmtMs},
			                   {label: 'p95', data: q('p95'), color: css('--c2'), fmt: fmtMs},
			                   {label: 'p99', data: q('p99'), color: css('--c3'), fmt: fmtMs}]});
		});
	}

	/* The percentile of x = 1 / (1 − q): 1 → 0%, 10 → 90%, 1000 → 99.9%. */
	function pct(v) {
		var p = 100 - 100 / v;
		return (p >= 99 ? p.toFixed(Math.min(6, Math.round(Math.log10(v)) - 2)) : p.toFixed(0)) + '%';
	}

	function spectrumCharts(app, doc, view) {
		var names = Object.keys(view.spectra || {});
		if (!names.length)
			return;
		var s = section(app, 'Latency distribution', 'The percentile spectrum of each key over the whole run (exact histograms), on a log axis: ' +
		                'how far the tail reaches.');
		names.forEach(function (name) {
			var pts = view.spectra[name].filter(function (p) { return p[0] < 1; });
			var max = view.spectra[name][view.spectra[name].length - 1][1];
			var x = pts.map(function (p) { return 1 / (1 - p[0]); });
			chart(s, {kind: 'spectrum', key: name, title: name, sub: 'latency by percentile (max ' + fmtUs(max) + ')', x: x, xlog: true,
			          log: true, ylabel: 'ms', xlabel: 'percentile',
			          xfmt: pct,
			          xsplits: function (u) {
				          var out = [], top = u.scales.x.max;
				          for (var v = 1; v <= top * 1.001; v *= 10)
					          out.push(v);
				          return out;
			          },
			          xvalues: function (u, vals) { return vals.map(function (v) { return pct(v); }); },
			          yvalues: function (u, vals) { return vals.map(fmtMs); },
			          series: [{label: 'latency', data: pts.map(function (p) { return p[1] / 1000; }), color: css('--c1'), width: 2, fmt: fmtMs}]});
		});
	}

	function healthTables(app, doc) {
		var s = section(app, 'Faults and generator health');
		if ((doc.faults || []).length) {
			s.appendChild(el('h3', null, 'Fault actions'));
			var t = el('table', {id: 'fault-table'});
			t.appendChild(el('thead', null, el('tr', null, el('th', null, 'fault'), el('th', null, 'action'), el('th', {class: 'num'}, 'planned'),
			                                     el('th', {class: 'num'}, 'done'), el('th', {class: 'num'}, 'late'), el('th', null, 'status'))));
			var tb = el('tbody');
			doc.faults.forEach(function (f) {
				tb.appendChild(el('tr', null, el('td', null, f.name), el('td', null, f.on ? 'on' : 'off'),
				                  el('td', {class: 'num'}, fmtSecs(f.intended_us / 1e6)), el('td', {class: 'num'}, fmtSecs(f.actual_us / 1e6)),
				                  el('td', {class: 'num'}, fmtUs(f.late_us)), el('td', null, f.ok ? 'ok' : 'FAILED: ' + (f.error || ''))));
			});
			t.appendChild(tb);
			s.appendChild(el('div', {class: 'scroll'}, t));
		}
		var sch = doc.scheduler || {}, lag = sch.lag || {};
		s.appendChild(el('h3', null, 'Generator'));
		var dl = el('dl', {class: 'meta'});
		function row(k, v) { dl.appendChild(el('dt', null, k)); dl.appendChild(el('dd', null, v)); }
		if (sch.planned)
			row('open model sends', fmtNum(sch.sent, 0) + ' of ' + fmtNum(sch.planned, 0) + ' planned (' + fmtNum(100 * sch.sent / sch.planned, 1) + ' %)');
		if (lag && lag.count)
			row('scheduler lag', 'p50 ' + fmtUs(lag.p50) + ', p99 ' + fmtUs(lag.p99) + ', max ' + fmtUs(lag.max));
		(doc.load || []).forEach(function (l) {
			row(l.scenario + ' (' + l.model + ')', 'at most ' + fmtNum(l.active_peak, 0) + ' active of ' + fmtNum(l.planned_peak, 0) + ' planned');
		});
		if (!dl.children.length)
			row('load', 'no open-model sends, no closed or WebSocket scenario');
		s.appendChild(dl);
	}

	function liveBar(app, view) {
		var l = view.live;
		if (!l)
			return;
		var bar = el('div', {class: 'live', id: 'live', role: 'status', 'aria-live': 'polite'});
		var done = l.done ? 'finished' : l.started ? 'running' : 'starting';
		bar.appendChild(el('span', null, el('b', null, 'live: '), done));
		bar.appendChild(el('span', null, el('progress', {max: l.total_us, value: l.elapsed_us}), ' ',
		                   el('span', {id: 'live-elapsed'}, fmtSecs(l.elapsed_us / 1e6) + ' of ' + fmtSecs(l.total_us / 1e6))));
		bar.appendChild(el('span', null, el('b', null, 'stage: '), el('span', {id: 'live-stage'}, (l.stages || []).join('; ') || '-')));
		bar.appendChild(el('span', null, el('b', null, 'faults: '), el('span', {id: 'live-faults'}, (l.faults || []).join(', ') || 'none')));
		bar.appendChild(el('span', null, el('b', null, 'requests: '), el('span', {id: 'live-requests'}, fmtNum(l.requests, 0))));
		bar.appendChild(el('span', null, el('b', null, 'p99 (last interval): '), el('span', {id: 'live-p99'}, fmtUs(l.p99_us))));
		app.appendChild(bar);
	}

	/* Draws the whole page from a view. */
	function render(view) {
		var real = document.getElementById('app');
		var y = window.scrollY;
		reuse = charts.slice();
		charts.length = 0;
		/* built detached, then swapped in: the charts that are still there move over */
		var app = real.cloneNode(false);
		app.style.width = real.clientWidth + 'px';
		real.parentNode.insertBefore(app, real);
		app.style.position = 'absolute';
		app.style.visibility = 'hidden';
		var doc = view.doc;
		header(app, doc, view);
		liveBar(app, view);
		sloTable(app, doc, view.live);
		if (view.series) {
			var bands = faultBands(doc), stages = stageMarks(doc);
			latencyCharts(app, doc, view, bands, stages);
			throughputCharts(app, doc, view, bands, stages);
			activeCharts(app, doc, view, bands, stages);
			wsCharts(app, doc, view, bands, stages);
		} else {
			section(app, 'Over time', 'This result has no time series (written by an older flowrun).');
		}
		curveCharts(app, doc);
		spectrumCharts(app, doc, view);
		healthTables(app, doc);
		reuse.forEach(function (c) { c.u.destroy(); });
		reuse = [];
		real.parentNode.removeChild(real);
		app.style.position = app.style.visibility = app.style.width = '';
		window.scrollTo(0, y);
		window.flowrunRenders++;
		document.body.setAttribute('data-rendered', String(window.flowrunRenders));
	}

	var last = null;
	/* Fits the charts to their boxes when the window changes size. */
	window.addEventListener('resize', function () {
		charts.forEach(function (c) {
			var w = c.u.root.parentNode.clientWidth;
			if (w && Math.abs(w - c.u.width) > 4)
				c.u.setSize({width: w, height: w < 500 ? 200 : 260});
		});
	});
	if (window.matchMedia)
		window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', function () {
			if (last)
				render(last);
		});

	function poll() {
		fetch(LIVE, {cache: 'no-store'}).then(function (r) {
			return r.ok ? r.json() : null;
		}).then(function (v) {
			if (v) {
				last = v;
				if (!document.hidden || !window.flowrunRenders)
					render(v);
			}
			if (!v || !v.live || !v.live.done)
				setTimeout(poll, 1000);
		}, function () {
			setTimeout(poll, 2000);
		});
	}

	if (LIVE) {
		poll();
	} else {
		var data = document.getElementById('flowrun-data');
		last = JSON.parse(data.textContent);
		render(last);
	}
})();

/**
 * The report's browser code, as text inlined into the HTML file: it reads the embedded data and
 * draws every chart with Observable Plot (SVG), into `<figure data-chart=...>` elements. Axes and
 * text use `currentColor`, so the page's light or dark colour scheme carries into the charts; the
 * series colours are mid-tones that read on both. Each chart has a title, axis labels with units
 * and a legend.
 */
export const REPORT_CHARTS_SCRIPT = `
(function () {
  const data = JSON.parse(document.getElementById('scaleplan-data').textContent);
  const C = { blue: '#3b82f6', orange: '#f97316', green: '#22c55e', red: '#ef4444', purple: '#a855f7', teal: '#14b8a6', gray: '#94a3b8' };
  const W = 720;
  const H = 300;

  function figure(id, title, marks, options, legend) {
    const el = document.querySelector('figure[data-chart="' + id + '"]');
    if (!el) return;
    const heading = document.createElement('figcaption');
    heading.textContent = title;
    el.appendChild(heading);
    const plot = Plot.plot(Object.assign({ width: W, height: H, marginLeft: 64, marginRight: 24, grid: true, style: { background: 'transparent' }, marks: marks }, options));
    el.appendChild(plot);
    const keys = document.createElement('ul');
    keys.className = 'legend';
    for (const [name, color, dashed] of legend) {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch' + (dashed ? ' dashed' : '');
      sw.style.borderColor = color;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(name));
      keys.appendChild(li);
    }
    el.appendChild(keys);
    el.dataset.drawn = 'true';
  }

  function benchmarkCharts() {
    const b = data.benchmark;
    const t = data.thresholds;
    const lines = [
      [b.peakInvocationsPerMinute, 'peak ' + b.peakInvocationsPerMinute, C.gray, false],
      [t.peakShare, 'peakShare ' + t.peakShare + (t.chosen === 'peakShare' ? ' (chosen)' : ''), C.purple, t.chosen !== 'peakShare'],
    ];
    if (t.cpuOverlay !== null) lines.push([t.cpuOverlay, 'cpuOverlay ' + t.cpuOverlay + (t.chosen === 'cpuOverlay' ? ' (chosen)' : ''), C.teal, t.chosen !== 'cpuOverlay']);
    const rules = (axis) => lines.map(([v, , color, dashed]) => (axis === 'x' ? Plot.ruleX : Plot.ruleY)([v], { stroke: color, strokeWidth: dashed ? 1.5 : 3, strokeDasharray: dashed ? '6 4' : null }));
    const ruleLegend = lines.map(([, name, color, dashed]) => [name, color, dashed]);
    const pts = b.points;
    if (pts.some((p) => p.users !== null)) {
      figure('benchmark-throughput', 'Throughput of one instance against load, with the thresholds', [
        Plot.line(pts, { x: 'users', y: 'invocationsPerMinute', stroke: C.blue }),
        Plot.dot(pts, { x: 'users', y: 'invocationsPerMinute', fill: C.blue, r: 3 }),
      ].concat(rules('y')), { x: { label: 'concurrent users (load)' }, y: { label: 'invocations per minute', zero: true } }, [['invocations per minute', C.blue, false]].concat(ruleLegend));
    }
    const latency = pts.filter((p) => p.p95Ms !== null);
    figure('benchmark-latency', 'Latency of one instance against load, with the SLO and the thresholds', [
      Plot.line(latency, { x: 'invocationsPerMinute', y: 'p95Ms', stroke: C.orange, sort: 'invocationsPerMinute' }),
      Plot.dot(latency, { x: 'invocationsPerMinute', y: 'p95Ms', fill: C.orange, r: 3 }),
      Plot.line(latency.filter((p) => p.p99Ms !== null), { x: 'invocationsPerMinute', y: 'p99Ms', stroke: C.red, sort: 'invocationsPerMinute' }),
      Plot.dot(latency.filter((p) => p.p99Ms !== null), { x: 'invocationsPerMinute', y: 'p99Ms', fill: C.red, r: 3 }),
      Plot.ruleY([data.slo.ms], { stroke: C.green, strokeWidth: 2 }),
    ].concat(rules('x')), { x: { label: 'load: invocations per minute' }, y: { label: 'latency (ms)', zero: true } },
      [['p95 (ms)', C.orange, false], ['p99 (ms)', C.red, false], ['SLO ' + data.slo.percentile + ' ' + data.slo.ms + ' ms', C.green, false]].concat(ruleLegend));
    const fit = b.cpuFit;
    const xMax = Math.max.apply(null, pts.map((p) => p.invocationsPerMinute).concat([b.peakInvocationsPerMinute]));
    const fitLine = [0, xMax].map((x) => ({ x: x, y: fit.interceptPercent + fit.slopePercentPerInvocationPerMinute * x }));
    figure('benchmark-cpu', 'CPU of one instance against load, with the CPU target and the thresholds', [
      Plot.dot(pts.filter((p) => p.cpuPercent !== null), { x: 'invocationsPerMinute', y: 'cpuPercent', fill: C.blue, r: 3 }),
      Plot.line(fitLine, { x: 'x', y: 'y', stroke: C.gray, strokeDasharray: '4 3' }),
      Plot.ruleY([t.cpuTargetPercent], { stroke: C.green, strokeWidth: 2 }),
    ].concat(rules('x')), { x: { label: 'load: invocations per minute' }, y: { label: 'CPUUtilization (% summed over vCPUs)', zero: true } },
      [['measured CPU (%)', C.blue, false], ['least-squares fit (R² ' + fit.rSquared.toFixed(3) + ')', C.gray, true], ['CPU target ' + t.cpuTargetPercent + '%', C.green, false]].concat(ruleLegend));
  }

  function capacityChart() {
    const c = data.capacity;
    const top = c.maxRps * c.growthFactor;
    const steps = [];
    for (let i = 0; i <= 60; i++) {
      const rps = (top * 1.1 * i) / 60;
      steps.push({ rps: rps, instances: Math.max(1, Math.ceil(rps / c.rpsPerInstance)) });
    }
    const marks = [
      { rps: c.minRps, instances: Math.max(1, Math.ceil(c.minRps / c.rpsPerInstance)), name: 'minRps' },
      { rps: c.maxRps, instances: Math.ceil(c.maxRps / c.rpsPerInstance), name: 'maxRps' },
      { rps: top, instances: Math.ceil(top / c.rpsPerInstance), name: 'maxRps x growth' },
    ];
    figure('capacity', 'Capacity plan: instances needed against traffic', [
      Plot.line(steps, { x: 'rps', y: 'instances', stroke: C.blue, curve: 'step-after' }),
      Plot.dot(marks, { x: 'rps', y: 'instances', fill: C.orange, r: 5, title: 'name' }),
      Plot.text(marks, { x: 'rps', y: 'instances', text: 'name', dy: -12, fill: 'currentColor' }),
      Plot.ruleY([c.minCapacity], { stroke: C.green, strokeWidth: 2 }),
      Plot.ruleY([c.maxCapacity], { stroke: C.red, strokeWidth: 2 }),
    ], { x: { label: 'traffic (requests per second)', zero: true }, y: { label: 'instances', zero: true } },
      [['instances at ' + c.rpsPerInstance.toFixed(1) + ' requests/s each', C.blue, false], ['expected traffic points', C.orange, false], ['MinCapacity ' + c.minCapacity, C.green, false], ['MaxCapacity ' + c.maxCapacity, C.red, false]]);
  }

  function timelineCharts(group) {
    const id = 'iteration-' + group.iteration;
    const name = group.iteration === 0 ? 'Simulation' : 'Iteration ' + group.iteration;
    const x = { label: 'time since the evaluation started (minutes)' };
    const series = [];
    const legendOf = [];
    group.timelines.forEach((tl, i) => {
      const dashed = tl.kind === 'measured';
      series.push({ tl: tl, dash: dashed ? '6 3' : null, tag: tl.label });
      legendOf.push(dashed);
    });
    const line = (key, color) => series.map((s) => Plot.line(s.tl.minutes, { x: 'minute', y: key, stroke: color, strokeDasharray: s.dash, curve: key === 'desired' || key === 'inService' ? 'step-after' : 'linear' }));
    const dots = (key, color) => series.map((s) => Plot.dot(s.tl.minutes, { x: 'minute', y: key, fill: color, r: 2 }));
    const tag = (name, color) => series.map((s) => [name + ' (' + s.tag + ')', color, s.dash !== null]);
    figure(id + '-load', name + ': load and errors', line('invocations', C.blue).concat(dots('invocations', C.blue), line('errors', C.red), dots('errors', C.red)), { x: x, y: { label: 'per minute (invocations, 5XX errors)', zero: true } }, tag('invocations', C.blue).concat(tag('5XX errors', C.red)));
    const target = group.target;
    figure(id + '-ipi', name + ': InvocationsPerInstance against the target', line('invocationsPerInstance', C.blue).concat(dots('invocationsPerInstance', C.blue), target === null ? [] : [Plot.ruleY([target], { stroke: C.green, strokeWidth: 2 })]), { x: x, y: { label: 'invocations per instance per minute', zero: true } }, tag('InvocationsPerInstance', C.blue).concat(target === null ? [] : [['target ' + target, C.green, false]]));
    const acts = [];
    series.forEach((s) => s.tl.activities.forEach((a) => acts.push(Object.assign({ tag: s.tag }, a))));
    figure(id + '-instances', name + ': instances desired and InService, with every scaling activity', line('desired', C.orange).concat(line('inService', C.blue), dots('inService', C.blue), [Plot.dot(acts, { x: 'minute', y: 'toCapacity', symbol: 'triangle', r: 6, fill: C.purple, title: (a) => a.time + ' ' + a.cause + ': ' + a.fromCapacity + ' -> ' + a.toCapacity + ' (' + a.reason + ')' })]), { x: x, y: { label: 'instances', zero: true } }, tag('desired', C.orange).concat(tag('InService', C.blue), [['scaling activity (' + acts.length + ')', C.purple, false]]));
    figure(id + '-latency', name + ': p95 latency against the SLO', line('p95Ms', C.orange).concat(dots('p95Ms', C.orange), [Plot.ruleY([data.slo.ms], { stroke: C.green, strokeWidth: 2 })]), { x: x, y: { label: 'p95 latency (ms)', zero: true } }, tag('p95 (ms)', C.orange).concat([['SLO ' + data.slo.ms + ' ms', C.green, false]]));
  }

  function searchChart() {
    const s = data.search;
    if (!s) return;
    const marks = [
      Plot.line(s.front, { x: 'instanceHours', y: 'sloPercent', stroke: C.blue, sort: 'instanceHours' }),
      Plot.dot(s.front, { x: 'instanceHours', y: 'sloPercent', fill: C.blue, r: 4, title: 'label' }),
      Plot.dot(s.baselines, { x: 'instanceHours', y: 'sloPercent', fill: C.orange, symbol: 'square', r: 6, title: 'label' }),
      Plot.text(s.baselines, { x: 'instanceHours', y: 'sloPercent', text: 'label', dy: -12, fill: 'currentColor' }),
      Plot.ruleX([s.oracleInstanceHours], { stroke: C.green, strokeWidth: 2 }),
      Plot.ruleY([s.sloTargetPercent], { stroke: C.gray, strokeDasharray: '4 3' }),
    ];
    if (s.best) marks.push(Plot.dot([s.best], { x: 'instanceHours', y: 'sloPercent', stroke: C.red, r: 9, strokeWidth: 2, title: 'label' }));
    figure('search', 'Policy search: cost against SLO attainment', marks, { x: { label: 'instance-hours', zero: true }, y: { label: 'requests within the SLO (%)' } },
      [['front (' + s.front.length + ' non-dominated candidates)', C.blue, false], ['baselines', C.orange, false], ['oracle ' + s.oracleInstanceHours.toFixed(2) + ' h (clairvoyant at ' + s.oracleTarget + '/min per instance)', C.green, false], ['SLO target', C.gray, true]].concat(s.best ? [['best', C.red, false]] : []));
  }

  benchmarkCharts();
  capacityChart();
  data.iterations.forEach(timelineCharts);
  searchChart();
})();
`;

// SocialPulse dashboard: polls the JSON endpoints and draws small SVG charts (no libraries).
"use strict";

const POLL_MS = Number(document.body.dataset.pollMs) || 3000;
const SLOW_POLL_MS = 30000;
const SVG_NS = "http://www.w3.org/2000/svg";
const seenAlerts = new Set();
let firstAlertRender = true;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(value, digits = 1) {
  if (value === null || value === undefined) return "–";
  return Number(value).toLocaleString("en", { maximumFractionDigits: digits });
}

function signed(value, digits = 2) {
  if (value === null || value === undefined) return "–";
  return (value > 0 ? "+" : "") + Number(value).toFixed(digits);
}

function shortTime(iso) {
  // "2024-03-10T14:00:00Z" -> "03-10 14:00" (UTC, as the warehouse stores it)
  return iso ? iso.slice(5, 16).replace("T", " ") : "";
}

function setStatus(text, isError) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  if (response.status === 401) {
    // The session cookie is gone or the token changed: sign in again.
    window.location.assign("/login");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${url}: HTTP ${response.status}`);
  return body;
}

// ---- alerts -------------------------------------------------------------------------------

function alertCard(alert) {
  const fresh = !firstAlertRender && !seenAlerts.has(alert.alert_id);
  seenAlerts.add(alert.alert_id);
  const samples = el("ul", { class: "samples" });
  for (const post of alert.samples || []) {
    samples.append(el("li", { title: post.sentiment_label || "" }, post.text || "(no text)"));
  }
  const card = el(
    "article",
    {
      class: `alert ${alert.direction}${fresh ? " fresh" : ""}`,
      "data-alert-id": alert.alert_id,
      "data-key": alert.full_key,
    },
    el(
      "div",
      { class: "head" },
      el("span", { class: "key" }, alert.full_key),
      el("span", { class: "badge" }, alert.direction.replace("_", " ")),
      alert.outcome ? el("span", { class: "badge" }, alert.outcome) : null,
      el("span", { class: "muted" }, `${shortTime(alert.window_start)}–${shortTime(alert.window_end).slice(6)} UTC`),
    ),
    el(
      "div",
      { class: "figures" },
      `observed ${fmt(alert.observed)} vs expected ${fmt(alert.expected)} `,
      el("span", { class: "muted" }, `(band ${fmt(alert.expected_low)}–${fmt(alert.expected_high)})`),
      ` · score ${fmt(alert.score, 4)}`,
      el("br"),
      `sentiment ${fmt(alert.sentiment_mean, 2)} vs ${fmt(alert.sentiment_baseline, 2)} `,
      `(shift ${signed(alert.sentiment_shift)})`,
    ),
    samples.childElementCount ? samples : null,
  );
  card.addEventListener("click", () => selectKey(alert.full_key));
  return card;
}

async function pollAlerts() {
  try {
    const { alerts } = await getJSON("/api/alerts?limit=30");
    const container = document.getElementById("alerts");
    container.replaceChildren(...alerts.map(alertCard));
    if (!alerts.length) container.append(el("p", { class: "muted" }, "No alerts yet."));
    document.getElementById("alert-count").textContent = `(${alerts.length} latest)`;
    if (firstAlertRender && alerts.length && !currentKey()) selectKey(alerts[0].full_key);
    firstAlertRender = false;
    setStatus(`updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    setStatus(error.message, true);
  }
}

// ---- keys and charts ----------------------------------------------------------------------

function currentKey() {
  return document.getElementById("key-select").value;
}

function ensureKeyOption(key, source) {
  const select = document.getElementById("key-select");
  if (![...select.options].some((option) => option.value === key)) {
    select.append(el("option", { value: key }, source ? `${key} (${source})` : key));
  }
}

function selectKey(key) {
  ensureKeyOption(key);
  const select = document.getElementById("key-select");
  if (select.value !== key) {
    select.value = key;
  }
  refreshCharts();
}

async function refreshKeys() {
  try {
    const { keys } = await getJSON("/api/keys");
    const selected = currentKey();
    for (const { key, source } of keys) ensureKeyOption(key, source);
    if (!selected && keys.length) selectKey(keys[0].key);
  } catch (error) {
    setStatus(error.message, true);
  }
}

function legend(items) {
  return el(
    "div",
    { class: "legend" },
    ...items.map(([color, label]) => el("span", {}, el("i", { style: `background:${color}` }), label)),
  );
}

function timeAxis(root, x0, x1, scaleX, top, bottom, step) {
  // Six ticks, each on a bucket boundary so the labels read as whole windows.
  const ticks = 6;
  for (let i = 0; i <= ticks; i += 1) {
    const t = x0 + Math.round((x1 - x0) * i / ticks / step) * step;
    const x = scaleX(t);
    root.append(svg("line", { class: "axis", x1: x, x2: x, y1: top, y2: bottom }));
    root.append(
      svg(
        "text",
        { x, y: bottom + 14, "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle" },
        shortTime(new Date(t).toISOString()),
      ),
    );
  }
}

function drawActivity(container, points, alerts, bucketMinutes) {
  if (!points.length) {
    container.replaceChildren(el("p", { class: "muted" }, "No hourly activity for this key."));
    return;
  }
  const W = 820, H = 250, L = 44, R = 12, T = 8, B = 26;
  const bucket = bucketMinutes * 60e3;
  const times = points.map((p) => Date.parse(p.start));
  const x0 = times[0], x1 = Math.max(times[times.length - 1], x0 + bucket);
  const yMax = Math.max(1, ...points.map((p) => Math.max(p.posts, p.expected_high || 0))) * 1.1;
  const sx = (t) => L + ((t - x0) / (x1 - x0)) * (W - L - R);
  const sy = (v) => H - B - (v / yMax) * (H - T - B);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "activity chart" });
  for (let i = 0; i <= 4; i += 1) {
    const v = (yMax * i) / 4;
    root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: sy(v), y2: sy(v) }));
    root.append(svg("text", { x: L - 4, y: sy(v) + 4, "text-anchor": "end" }, fmt(v, 0)));
  }
  timeAxis(root, x0, x1, sx, T, H - B, bucket);
  const upper = points.map((p, i) => `${sx(times[i])},${sy(p.expected_high || 0)}`);
  const lower = points.map((p, i) => `${sx(times[i])},${sy(p.expected_low || 0)}`).reverse();
  root.append(svg("polygon", { class: "band", points: [...upper, ...lower].join(" "), fill: "#cfe0fb", opacity: 0.8 }));
  const line = (values, attrs) =>
    svg("polyline", { points: values.map((v, i) => `${sx(times[i])},${sy(v)}`).join(" "), fill: "none", ...attrs });
  root.append(line(points.map((p) => p.expected || 0), { stroke: "#5b8bd9", "stroke-dasharray": "4 3" }));
  root.append(line(points.map((p) => p.posts), { stroke: "#1d2330", "stroke-width": 1.6 }));
  points.forEach((p, i) => {
    if (!p.is_anomaly) return;
    const dot = svg("circle", { class: "anomaly", cx: sx(times[i]), cy: sy(p.posts), r: 3.5, fill: "#d1362f" });
    dot.append(svg("title", {}, `${shortTime(p.start)}: ${p.posts} posts (band ${fmt(p.expected_low)}–${fmt(p.expected_high)})`));
    root.append(dot);
  });
  for (const alert of alerts) {
    const t = Date.parse(alert.window_start);
    if (t < x0 || t > x1 + bucket) continue;
    const x = sx(Math.min(t, x1));
    const mark = svg("line", { class: "alert-marker", x1: x, x2: x, y1: T, y2: H - B, stroke: "#b8730a", "stroke-width": 1 });
    mark.append(svg("title", {}, `alert ${alert.direction} at ${shortTime(alert.window_start)}`));
    root.append(mark);
  }
  container.replaceChildren(
    legend([["#1d2330", "posts"], ["#cfe0fb", "expected band"], ["#d1362f", "anomaly"], ["#b8730a", "alert"]]),
    root,
  );
}

function drawSentiment(container, windows) {
  if (!windows.length) {
    container.replaceChildren(el("p", { class: "muted" }, "No sentiment windows for this key."));
    return;
  }
  const W = 820, H = 200, L = 44, R = 36, T = 8, B = 26, STEP = 15 * 60e3;
  const times = windows.map((w) => Date.parse(w.window_start));
  const x0 = times[0], x1 = times[times.length - 1] + STEP;
  const sx = (t) => L + ((t - x0) / (x1 - x0)) * (W - L - R);
  const sy = (share) => H - B - share * (H - T - B);
  const sMean = (score) => sy((score + 1) / 2);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "sentiment chart" });
  for (const share of [0, 0.5, 1]) {
    root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: sy(share), y2: sy(share) }));
    root.append(svg("text", { x: L - 4, y: sy(share) + 4, "text-anchor": "end" }, `${share * 100}%`));
    root.append(svg("text", { x: W - R + 4, y: sy(share) + 4 }, signed(share * 2 - 1, 1)));
  }
  timeAxis(root, x0, x1, sx, T, H - B, STEP);
  const width = Math.max(1, sx(x0 + STEP) - sx(x0) - 0.5);
  const labels = [["negative_share", "#e07a6f"], ["neutral_share", "#c9ced8"], ["positive_share", "#6fbf8a"]];
  windows.forEach((w, i) => {
    let bottom = 0;
    for (const [column, color] of labels) {
      const share = w[column] || 0;
      if (share > 0) {
        const rect = svg("rect", { x: sx(times[i]), y: sy(bottom + share), width, height: sy(bottom) - sy(bottom + share), fill: color });
        rect.append(svg("title", {}, `${shortTime(w.window_start)}: ${column.replace("_share", "")} ${fmt(share * 100, 0)}% of ${w.posts}`));
        root.append(rect);
      }
      bottom += share;
    }
  });
  const mean = windows.map((w, i) => `${sx(times[i]) + width / 2},${sMean(w.mean_score || 0)}`).join(" ");
  root.append(svg("polyline", { class: "mean", points: mean, fill: "none", stroke: "#1d2330", "stroke-width": 1.4 }));
  container.replaceChildren(
    legend([["#e07a6f", "negative"], ["#c9ced8", "neutral"], ["#6fbf8a", "positive"], ["#1d2330", "mean score (right axis)"]]),
    root,
  );
}

async function refreshCharts() {
  const key = currentKey();
  if (!key) return;
  const days = document.getElementById("days-select").value;
  const encoded = encodeURIComponent(key);
  try {
    const [activity, sentiment] = await Promise.all([
      getJSON(`/api/activity?key=${encoded}&days=${days}`),
      getJSON(`/api/sentiment?key=${encoded}`),
    ]);
    if (key !== currentKey()) return; // the user picked another key meanwhile
    const per = activity.bucket_minutes === 60 ? "hour" : `${activity.bucket_minutes} minutes`;
    document.getElementById("activity-title").textContent = `Activity per ${per}`;
    drawActivity(
      document.getElementById("activity-chart"), activity.points, activity.alerts, activity.bucket_minutes,
    );
    drawSentiment(document.getElementById("sentiment-chart"), sentiment.windows);
  } catch (error) {
    setStatus(error.message, true);
  }
}

// ---- trending, word clouds ----------------------------------------------------------------

function fillDays(select, days, chosen) {
  const keep = select.value || chosen;
  select.replaceChildren(...days.map((day) => el("option", { value: day }, day)));
  if (keep) select.value = keep;
}

function growthCell(growth) {
  // null: the key had no earlier day, so there is nothing to grow from.
  if (growth === null || growth === undefined) {
    return el("td", { class: "num muted", title: "no earlier day to compare with" }, "new");
  }
  return el("td", { class: "num" }, `×${fmt(growth, 1)}`);
}

function trendTable(table, items, kind) {
  const head = el("tr", {}, el("th", {}, "#"), el("th", {}, kind), el("th", { class: "num" }, "posts"),
    el("th", { class: "num" }, "authors"), el("th", { class: "num" }, "growth"));
  const body = items.map((item) =>
    el("tr", { "data-key": item.key }, el("td", {}, item.rank), el("td", {}, item.display_name),
      el("td", { class: "num" }, fmt(item.posts, 0)), el("td", { class: "num" }, fmt(item.authors, 0)),
      growthCell(item.growth)));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
  if (!items.length) table.append(el("caption", { class: "muted" }, "nothing trending"));
}

async function refreshTrending() {
  const select = document.getElementById("trend-day");
  const day = select.value;
  try {
    const trending = await getJSON(`/api/trending${day ? `?day=${day}` : ""}`);
    fillDays(select, trending.days, trending.day);
    trendTable(document.getElementById("trending-challenges"), trending.challenges, "challenge");
    trendTable(document.getElementById("trending-music"), trending.music, "sound");
  } catch (error) {
    setStatus(error.message, true);
  }
}

function risingTable(table, keys) {
  const head = el("tr", {}, el("th", {}, "key"), el("th", {}, "from"),
    el("th", { class: "num" }, "peak (90%)"), el("th", { class: "num" }, "usual ≤"),
    el("th", { class: "num" }, "24 h"));
  const body = keys.map((item) => {
    const { peak } = item;
    const row = el("tr", { "data-key": item.key, title: `${item.rising_hours} of ${item.hours.length} hours above the usual band` },
      el("td", {}, item.key), el("td", {}, shortTime(item.first_rising_hour)),
      el("td", { class: "num" }, `${fmt(peak.forecast_posts, 0)} (${fmt(peak.forecast_low, 0)}–${fmt(peak.forecast_high, 0)}) at ${shortTime(peak.hour).slice(6)}`),
      el("td", { class: "num" }, fmt(peak.band_high, 0)),
      el("td", { class: "num" }, fmt(item.forecast_posts_24h, 0)));
    row.addEventListener("click", () => selectKey(item.key));
    return row;
  });
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
  if (!keys.length) table.append(el("caption", { class: "muted" }, "no key is forecast to leave its band"));
}

async function refreshForecasts() {
  try {
    const result = await getJSON("/api/forecasts");
    document.getElementById("forecast-for").textContent = result.day ? `after ${result.day}` : "no forecasts yet";
    risingTable(document.getElementById("rising-keys"), result.keys);
  } catch (error) {
    setStatus(error.message, true);
  }
}

function topicsTable(table, topics) {
  const head = el("tr", {}, el("th", {}, "#"), el("th", {}, "top terms"),
    el("th", { class: "num" }, "posts"), el("th", { class: "num" }, "share"),
    el("th", {}, "emerging"), el("th", {}, "example"));
  const body = topics.map((topic) => el("tr", { "data-topic": topic.topic_id },
    el("td", {}, String(topic.topic_id)), el("td", {}, topic.terms.join(" ")),
    el("td", { class: "num" }, String(topic.post_count)),
    el("td", { class: "num" }, `${fmt(100 * topic.share, 0)}%`),
    el("td", { class: topic.emerging_reason ? "emerging" : "muted" }, topic.emerging_reason || ""),
    el("td", {}, topic.example_posts[0] || "")));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
  if (!topics.length) table.append(el("caption", { class: "muted" }, "no topics yet"));
}

async function refreshTopics() {
  try {
    const result = await getJSON("/api/topics");
    const first = result.topics[0];
    document.getElementById("topics-for").textContent = first
      ? `${result.day}, in ${first.sampled_posts} of ${first.day_posts} posts` : "no topics yet";
    topicsTable(document.getElementById("day-topics"), result.topics);
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function refreshClouds() {
  const select = document.getElementById("cloud-day");
  const day = select.value;
  try {
    const result = await getJSON(`/api/wordclouds${day ? `?day=${day}` : ""}`);
    fillDays(select, result.days, result.day);
    const grid = document.getElementById("word-clouds");
    const shown = grid.dataset.day === result.day && grid.childElementCount === result.clouds.length;
    if (shown) return; // the same images: do not reload them on every refresh
    grid.dataset.day = result.day || "";
    grid.replaceChildren(
      ...result.clouds.map((cloud) =>
        el("figure", {}, el("img", { src: cloud.url, alt: `word cloud ${cloud.group}`, loading: "lazy" }),
          el("figcaption", {}, cloud.group))),
    );
    if (!result.clouds.length) grid.append(el("p", { class: "muted" }, "No word clouds yet."));
  } catch (error) {
    setStatus(error.message, true);
  }
}

// ---- watch-list ---------------------------------------------------------------------------

function showWatchlist(result) {
  document.getElementById("watchlist-terms").value = result.file_terms.join("\n");
  document.getElementById("watchlist-settings").textContent = result.settings_terms.join(", ") || "none";
}

async function loadWatchlist() {
  try {
    showWatchlist(await getJSON("/api/watchlist"));
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function saveWatchlist(event) {
  event.preventDefault();
  const status = document.getElementById("watchlist-status");
  const terms = document.getElementById("watchlist-terms").value.split("\n");
  try {
    const result = await getJSON("/api/watchlist", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ terms }),
    });
    showWatchlist(result);
    status.textContent = `saved ${result.file_terms.length} term(s)`;
    refreshKeys();
  } catch (error) {
    status.textContent = error.message;
  }
}

// ---- start --------------------------------------------------------------------------------

document.getElementById("key-select").addEventListener("change", refreshCharts);
document.getElementById("days-select").addEventListener("change", refreshCharts);
document.getElementById("trend-day").addEventListener("change", refreshTrending);
document.getElementById("cloud-day").addEventListener("change", refreshClouds);
document.getElementById("watchlist-form").addEventListener("submit", saveWatchlist);

async function start() {
  await pollAlerts();
  await refreshKeys();
  refreshTrending();
  refreshForecasts();
  refreshTopics();
  refreshClouds();
  loadWatchlist();
  setInterval(pollAlerts, POLL_MS);
  setInterval(() => {
    refreshKeys();
    refreshCharts();
    refreshTrending();
    refreshForecasts();
    refreshTopics();
    refreshClouds();
  }, SLOW_POLL_MS);
}

start();

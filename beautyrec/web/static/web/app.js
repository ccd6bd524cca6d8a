// beautyrec demo client: plain JavaScript over the public REST API with token authentication only.
// It doubles as a reference client: every call below is one documented endpoint under /api/v1/.
"use strict";

const config = JSON.parse(document.getElementById("client-config").textContent);
const $ = (selector, root = document) => root.querySelector(selector);
const TOKEN_KEY = "beautyrec.token";
const POLL_MS = 400;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  username: sessionStorage.getItem(TOKEN_KEY + ".user"),
  photo: null,       // {id, width, height}
  face: null,        // the face the page works with (index 0: the largest)
  bitmap: null,      // the selfie as decoded by the browser (null when it cannot decode it, e.g. HEIC)
  stream: null,      // camera stream while the camera is open
};

class ApiError extends Error {
  constructor(status, error) {
    super(error && error.message ? error.message : `HTTP ${status}`);
    this.status = status;
    this.code = (error && error.code) || `http_${status}`;
    this.details = error ? error.details : null;
  }
}

// --- the API ---------------------------------------------------------------------------------------

async function api(path, { method = "GET", json, form } = {}) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = `Token ${state.token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  // credentials "omit": the page authenticates with its token only, never with an admin session cookie.
  const response = await fetch(path, { method, headers, body, credentials: "omit" });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (_) { data = null; }
  }
  if (response.status === 401 && state.token) forgetToken();  // revoked or from another database: sign in again
  if (!response.ok) {
    // Only the API's JSON error body carries a code and message; anything else is reported by its status.
    throw new ApiError(response.status, data && data.error ? data.error
      : { message: `HTTP ${response.status} ${response.statusText}`.trim() });
  }
  return data;
}

async function apiBlob(path) {
  const response = await fetch(path, { headers: { Authorization: `Token ${state.token}` }, credentials: "omit" });
  if (!response.ok) throw new ApiError(response.status, { message: `image ${path}` });
  return response.blob();
}

// Start a job (POST answering 200/202 with a Job) and follow it on GET /api/v1/jobs/{id}/ until it ends.
async function runJob(path, request, progressEl) {
  const started = performance.now();
  delete progressEl.dataset.seen;
  let job;
  try {
    job = await api(path, { method: "POST", ...request });
  } catch (error) {
    // A job that already failed on its input comes back as that 4xx error with the job in its details.
    if (error.details && error.details.job) showJob(progressEl, error.details.job, started);
    throw error;
  }
  showJob(progressEl, job, started);
  while (job.status === "queued" || job.status === "running") {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await api(job.url);
    showJob(progressEl, job, started);
  }
  if (job.status === "failed") throw new ApiError(422, job.error);
  return job.result;
}

function showJob(el, job, started) {
  el.hidden = false;
  $("progress", el).value = job.progress;
  const elapsed = (performance.now() - started) / 1000;
  const parts = [job.status];
  if (job.stage) parts.push(job.stage);
  parts.push(`${job.progress}%`);
  if (job.status === "running" && job.progress > 0 && job.progress < 100) {
    parts.push(`about ${Math.ceil((elapsed * (100 - job.progress)) / job.progress)} s left`);
  } else if (job.status === "succeeded" || job.status === "failed") {
    parts.push(`${elapsed.toFixed(1)} s`);
  }
  $(".job-label", el).textContent = parts.join(" · ");
  el.dataset.status = job.status;
  const seen = new Set((el.dataset.seen || "").split(" ").filter(Boolean));
  seen.add(job.status);
  el.dataset.seen = [...seen].join(" ");
}

// --- messages ----------------------------------------------------------------------------------------

function say(text, kind = "info") {
  const div = document.createElement("div");
  div.className = `message ${kind}`;
  div.textContent = text;
  $("#messages").append(div);
  if (kind === "info") setTimeout(() => div.remove(), 6000);
}

function sayError(what, error) {
  const code = error instanceof ApiError ? ` (${error.code})` : "";
  say(`${what}: ${error.message}${code}`, "error");
  if (!(error instanceof ApiError)) console.error(error);
}

function clearMessages() {
  $("#messages").replaceChildren();
}

// --- sign in -----------------------------------------------------------------------------------------

function showSignedIn() {
  const signedIn = Boolean(state.token);
  $("#sign-in").hidden = signedIn;
  $("#selfie").hidden = !signedIn;
  $("#search").hidden = !signedIn;
  $("#sign-out").hidden = !signedIn;
  $("#signed-in-as").hidden = !signedIn;
  $("#signed-in-as").textContent = signedIn ? `signed in as ${state.username}` : "";
  $("#camera-start").hidden = !(signedIn && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

$("#sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearMessages();
  const form = new FormData(event.target);
  try {
    const answer = await api("/api/v1/auth/token/", {
      method: "POST", json: { username: form.get("username"), password: form.get("password") },
    });
    state.token = answer.token;
    state.username = answer.username;
    sessionStorage.setItem(TOKEN_KEY, answer.token);
    sessionStorage.setItem(TOKEN_KEY + ".user", answer.username);
    showSignedIn();
  } catch (error) {
    sayError("Sign-in failed", error);
  }
});

function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(TOKEN_KEY + ".user");
  state.token = null;
  for (const id of ["#analysis", "#recommendations", "#transfer", "#search-understood"]) $(id).hidden = true;
  $("#search-results").replaceChildren();
  showSignedIn();
}

$("#sign-out").addEventListener("click", forgetToken);

// --- selfie: upload or camera -----------------------------------------------------------------------

$("#selfie-file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (file) analyze(file);
});

$("#camera-start").addEventListener("click", async () => {
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
  } catch (error) {
    sayError("The camera is not available", error);
    return;
  }
  const video = $("#camera");
  video.srcObject = state.stream;
  video.hidden = false;
  $("#camera-capture").hidden = false;
  $("#camera-stop").hidden = false;
});

function stopCamera() {
  if (state.stream) state.stream.getTracks().forEach((track) => track.stop());
  state.stream = null;
  $("#camera").hidden = true;
  $("#camera-capture").hidden = true;
  $("#camera-stop").hidden = true;
}

$("#camera-stop").addEventListener("click", stopCamera);

$("#camera-capture").addEventListener("click", () => {
  const video = $("#camera");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  stopCamera();
  canvas.toBlob((blob) => analyze(new File([blob], "camera.jpg", { type: "image/jpeg" })), "image/jpeg", 0.92);
});

async function analyze(file) {
  clearMessages();
  for (const id of ["#analysis", "#recommendations", "#transfer"]) $(id).hidden = true;
  // The browser applies EXIF orientation like the server does, so the face coordinates line up.
  state.bitmap = await createImageBitmap(file, { imageOrientation: "from-image" }).catch(() => null);
  const form = new FormData();
  form.append("image", file);
  let result;
  try {
    result = await runJob("/api/v1/recognition/analyze/", { form }, $("#analysis-progress"));
  } catch (error) {
    sayError("Analysis failed", error);
    return;
  }
  state.photo = { id: result.photo_id, width: result.width, height: result.height };
  state.face = result.faces[0];
  if (!state.bitmap) {
    // A format this browser cannot show (HEIC in Chromium): the service's stored copy is an upright JPEG.
    const stored = await apiBlob(`/api/v1/recognition/photos/${result.photo_id}/image/`).catch(() => null);
    state.bitmap = stored ? await createImageBitmap(stored).catch(() => null) : null;
  }
  drawAnalysis(result);
  showAttributes(result);
  $("#analysis").hidden = false;
  $("#transfer").hidden = false;
  $("#transfer-result").hidden = true;
  await recommend();
}

// --- the photo with box and landmarks -----------------------------------------------------------------

// 68-point (iBUG) contours: jaw, brows, nose bridge and base, eyes and lips (closed).
const CONTOURS = [[0, 16, false], [17, 21, false], [22, 26, false], [27, 30, false], [31, 35, false],
  [36, 41, true], [42, 47, true], [48, 59, true], [60, 67, true]];

function drawAnalysis(result) {
  const canvas = $("#photo-canvas");
  canvas.width = result.width;
  canvas.height = result.height;
  const ctx = canvas.getContext("2d");
  if (state.bitmap) {
    ctx.drawImage(state.bitmap, 0, 0, result.width, result.height);
  } else {
    ctx.fillStyle = "#ddd";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }
  const unit = Math.max(2, result.width / 240);
  result.faces.forEach((face, i) => {
    const { left, top, right, bottom } = face.box;
    ctx.lineWidth = unit;
    ctx.strokeStyle = i === 0 ? "#31e07a" : "#f5c542";
    ctx.strokeRect(left, top, right - left, bottom - top);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.font = `${Math.round(unit * 7)}px sans-serif`;
    ctx.fillText(`face ${face.index}`, left, Math.max(unit * 7, top - unit * 2));
    const points = face.landmarks;
    ctx.strokeStyle = "#4fd3ff";
    ctx.lineWidth = unit / 2;
    if (points.length === 68) {
      for (const [from, to, closed] of CONTOURS) {
        ctx.beginPath();
        ctx.moveTo(points[from][0], points[from][1]);
        for (let k = from + 1; k <= to; k++) ctx.lineTo(points[k][0], points[k][1]);
        if (closed) ctx.closePath();
        ctx.stroke();
      }
    }
    ctx.fillStyle = "#ff4fa3";
    for (const [x, y] of points) {
      ctx.beginPath();
      ctx.arc(x, y, unit * 0.9, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
  canvas.dataset.faces = String(result.faces.length);
}

// --- attributes ----------------------------------------------------------------------------------------

function swatch(hex, title) {
  const span = document.createElement("span");
  span.className = "swatch";
  span.style.background = hex;
  span.title = title || hex;
  span.dataset.hex = hex;
  return span;
}

function text(value) {
  return document.createTextNode(value);
}

function words(value) {
  return String(value).replaceAll("_", " ");
}

function showAttributes(result) {
  const list = $("#attributes");
  list.replaceChildren();
  const face = state.face;
  $("#face-summary").textContent = `${result.faces.length} face(s) found; showing face 0 (the largest), `
    + `${result.landmark_points} landmarks, detector ${face.detector}, quality ${face.quality.toFixed(2)}.`;
  const a = face.attributes || {};
  const add = (key, label, ...nodes) => {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.dataset.attr = key;
    dd.append(...nodes);
    list.append(dt, dd);
  };
  const unavailable = (item) => text(`not available (${words(item.reason || "unknown")})`);
  if (a.skin && a.skin.available !== false) {
    const monkHex = config.monk_swatches[a.skin.monk - 1];
    add("skin", "Skin tone", swatch(a.skin.hex, `measured skin ${a.skin.hex}`),
      text(`${a.skin.hex}, ITA ${a.skin.ita}° (${words(a.skin.ita_category)})`));
    const monk = document.createElement("span");
    monk.dataset.monk = String(a.skin.monk);
    monk.textContent = `Monk ${a.skin.monk} of 10`;
    add("monk", "Monk tone", swatch(monkHex, `Monk swatch ${a.skin.monk}`), monk);
  } else if (a.skin) {
    add("skin", "Skin tone", unavailable(a.skin));
  }
  if (a.undertone) {
    add("undertone", "Undertone", a.undertone.label ? text(a.undertone.label) : unavailable(a.undertone));
  }
  if (a.face_shape) {
    add("face_shape", "Face shape", a.face_shape.label ? text(a.face_shape.label) : unavailable(a.face_shape));
  }
  if (a.age) add("age", "Age band", text(`${a.age.band} (estimate ${Math.round(a.age.years)})`));
  if (a.gender) add("gender", "Gender", text(`${a.gender.label} (${Math.round(a.gender.probability * 100)}%)`));
  if (a.lips && a.lips.hex) add("lips", "Lip colour", swatch(a.lips.hex), text(a.lips.hex));
  if (a.eyes && a.eyes.label) add("eyes", "Eye colour", swatch(a.eyes.hex), text(words(a.eyes.label)));
}

// --- recommendations, interactions and previews -------------------------------------------------------

function newEventId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

async function logInteractions(events) {
  try {
    await api("/api/v1/interactions/", {
      method: "POST", json: events.map((e) => ({ ...e, client_event_id: newEventId() })),
    });
  } catch (error) {
    sayError("Could not record the interaction", error);
  }
}

async function recommend() {
  const section = $("#recommendations");
  const lists = $("#recommendation-lists");
  lists.replaceChildren();
  section.hidden = false;
  const cards = [];
  for (const category of config.categories) {
    let answer;
    try {
      answer = await api(`/api/v1/recommendations/?category=${category}&k=${config.recommendations_per_category}`);
    } catch (error) {
      sayError(`Recommendations for ${category} are not available`, error);
      continue;
    }
    const block = document.createElement("div");
    block.className = "category";
    block.dataset.category = category;
    const heading = document.createElement("h3");
    heading.textContent = words(category);
    const model = document.createElement("span");
    model.className = "model muted";
    model.textContent = ` · model ${answer.model_version}`;
    heading.append(model);
    const grid = document.createElement("div");
    grid.className = "cards";
    for (const item of answer.results) {
      const card = recommendationCard(item);
      grid.append(card);
      cards.push({ card, product: item.product });
    }
    block.append(heading, grid);
    lists.append(block);
  }
  if (!cards.length) return;
  logInteractions(cards.map(({ product }) => ({ product: product.id, kind: "view" })));
  await renderPreviews(cards);
}

// --- search in words ----------------------------------------------------------------------------------

$("#search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearMessages();
  const q = $("#search-q").value;
  const results = $("#search-results");
  const understood = $("#search-understood");
  results.replaceChildren();
  understood.hidden = true;
  let answer;
  try {
    answer = await api(`/api/v1/recommendations/?k=6&q=${encodeURIComponent(q)}`);
  } catch (error) {
    sayError("The search failed", error);
    return;
  }
  showUnderstood(understood, answer.query);
  for (const item of answer.results) results.append(recommendationCard(item, { preview: false }));
  results.dataset.count = String(answer.results.length);
  if (answer.results.length) {
    logInteractions(answer.results.map((item) => ({ product: item.product.id, kind: "view" })));
  }
});

// What the service understood: one chip per phrase and the constraint it set, then what it dropped and why.
function showUnderstood(box, query) {
  box.replaceChildren();
  const chips = document.createElement("p");
  chips.className = "chips";
  for (const [phrase, kind] of Object.entries(query.words)) {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.dataset.kind = kind;
    chip.textContent = `${phrase} → ${words(kind)}`;
    chips.append(chip);
  }
  for (const word of query.free_text) {
    const chip = document.createElement("span");
    chip.className = "chip free";
    chip.dataset.kind = "free_text";
    chip.textContent = query.unmatched_words.includes(word) ? `${word} (no product says it)` : word;
    chips.append(chip);
  }
  box.append(chips);
  for (const drop of query.dropped) {
    const line = document.createElement("p");
    line.className = "dropped muted";
    line.dataset.reason = drop.reason;
    const why = drop.reason === "contradiction" ? "it contradicts what you said first" : "no product matches it";
    line.textContent = `Ignored "${drop.words.join(", ") || drop.constraint}": ${why}.`;
    box.append(line);
  }
  const count = document.createElement("p");
  count.className = "muted matching";
  count.textContent = `${query.matching_products} products match.`;
  box.append(count);
  box.hidden = false;
}

function recommendationCard(item, { preview: withPreview = true } = {}) {
  const p = item.product;
  const card = document.createElement("article");
  card.className = "rec-card";
  card.dataset.product = String(p.id);
  const header = document.createElement("header");
  const title = document.createElement("div");
  title.innerHTML = '<div class="title"></div><div class="shade"></div><div class="score"></div>';
  $(".title", title).textContent = `${p.brand} · ${p.name}`;
  $(".shade", title).textContent = `${p.shade_name || "shade"} ${p.shade_hex}${p.undertone ? ` · ${p.undertone}` : ""}`;
  $(".score", title).textContent = `score ${item.score.toFixed(3)}`;
  header.append(swatch(p.shade_hex, `${p.shade_name} ${p.shade_hex}`), title);
  const reasons = document.createElement("ul");
  reasons.className = "reasons";
  for (const reason of item.reasons) {
    const li = document.createElement("li");
    li.textContent = reason;
    reasons.append(li);
  }
  const preview = document.createElement("div");
  preview.className = "before-after";
  preview.innerHTML = '<figure><img class="before" alt="Before"><figcaption>Before</figcaption></figure>'
    + '<figure><img class="after" alt="After: with this shade"><figcaption>After</figcaption></figure>';
  const status = document.createElement("div");
  status.className = "preview-status";
  status.textContent = "preview: waiting";
  const actions = document.createElement("div");
  actions.className = "actions";
  for (const [kind, label] of [["like", "Like"], ["dislike", "Not for me"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = label;
    button.addEventListener("click", async () => {
      await logInteractions([{ product: p.id, kind }]);
      button.disabled = true;
      say(`Noted: ${label.toLowerCase()} ${p.brand} ${p.shade_name || p.name}.`);
    });
    actions.append(button);
  }
  card.append(header, reasons, ...(withPreview ? [preview, status] : []), actions);
  return card;
}

// The face region (box widened 1.8x) of an image in the photo's coordinates, as a JPEG data URL.
function faceCrop(image, imageWidth, imageHeight) {
  const scale = imageWidth / state.photo.width;
  const { left, top, right, bottom } = state.face.box;
  const size = Math.max(right - left, bottom - top) * 1.8 * scale;
  const cx = ((left + right) / 2) * scale;
  const cy = ((top + bottom) / 2) * scale;
  const x = Math.max(0, cx - size / 2);
  const y = Math.max(0, cy - size / 2);
  const w = Math.min(size, imageWidth - x);
  const h = Math.min(size, imageHeight - y);
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(Math.min(w, 320));
  canvas.height = Math.round((canvas.width * h) / w);
  canvas.getContext("2d").drawImage(image, x, y, w, h, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/jpeg", 0.9);
}

// A rendered preview is the whole photo (same aspect): crop the face; anything else is shown as it is.
async function previewSource(url) {
  const blob = await apiBlob(url);
  const bitmap = await createImageBitmap(blob);
  const sameAspect = Math.abs(bitmap.width / bitmap.height - state.photo.width / state.photo.height) < 0.02;
  return sameAspect ? faceCrop(bitmap, bitmap.width, bitmap.height) : URL.createObjectURL(blob);
}

function beforeSource() {
  return state.bitmap ? faceCrop(state.bitmap, state.bitmap.width, state.bitmap.height) : null;
}

async function renderPreviews(cards) {
  const before = beforeSource();
  for (const { card } of cards) {
    if (before) $("img.before", card).src = before;
    $(".preview-status", card).textContent = "preview: rendering";
  }
  let result;
  try {
    result = await runJob("/api/v1/previews/", {
      json: { photo_id: state.photo.id, face_index: state.face.index,
        items: cards.map(({ product }) => ({ product: product.id })), combine: false },
    }, $("#recommendations-progress"));
  } catch (error) {
    for (const { card } of cards) $(".preview-status", card).textContent = `preview failed: ${error.code}`;
    sayError("Previews could not be rendered", error);
    return;
  }
  const tried = [];
  for (const image of result.images) {
    const card = $(`.rec-card[data-product="${image.product}"]`);
    if (!card) continue;
    try {
      $("img.after", card).src = await previewSource(image.url);
      $(".preview-status", card).textContent = `rendered: preview ${result.preview.slice(0, 8)}, image ${image.index}`;
      card.dataset.preview = "ready";
      tried.push({ product: image.product, kind: "try_on", preview: result.preview });
    } catch (error) {
      $(".preview-status", card).textContent = `preview image failed: ${error.code || error.message}`;
    }
  }
  if (tried.length) logInteractions(tried);
}

// --- transfer this look ---------------------------------------------------------------------------------

$("#reference-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file || !state.photo) return;
  clearMessages();
  const box = $("#transfer-result");
  box.hidden = true;
  const form = new FormData();
  form.append("photo_id", state.photo.id);
  form.append("face_index", String(state.face.index));
  form.append("reference_image", file);
  form.append("method", $("#transfer-method").value);
  try {
    const result = await runJob("/api/v1/previews/", { form }, $("#transfer-progress"));
    const before = beforeSource();
    if (before) $("img.before", box).src = before;
    $("img.reference", box).src = URL.createObjectURL(file);
    $("img.after", box).src = await previewSource(result.images[0].url);
    box.dataset.preview = result.preview;
    box.hidden = false;
  } catch (error) {
    sayError("The look could not be transferred", error);
  }
});

showSignedIn();

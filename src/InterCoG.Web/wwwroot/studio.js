// InterCoG studio: posts the photo and instruction, renders each chain step as it streams in (NDJSON),
// outlines the candidates of an ambiguous instruction for a click, and shows the result with a comparison slider.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("edit-form"), fileInput = $("file"), drop = $("drop"), instruction = $("instruction"), runButton = $("run");
  const status = $("status"), workspace = $("workspace"), photo = $("photo"), overlay = $("overlay"), steps = $("steps");
  const rewritten = $("rewritten"), compareBox = $("compare-box"), before = $("before"), after = $("after"), slider = $("slider");
  const downloads = $("downloads");
  const genBackend = $("gen-backend"), genUrl = $("gen-url"), genModel = $("gen-model"), genServer = $("gen-server"), genSummary = $("gen-summary");
  let file = null;       // the picked photo, kept for a re-post with "choose"
  let size = null;       // {width, height} of the oriented input, for placing candidate outlines
  let reads = 0;         // network reads of the current answer; each step records the read it arrived in

  const setStatus = (text, isError) => { status.textContent = text; status.classList.toggle("error", !!isError); };
  const pick = (f) => {
    if (!f) return;
    file = f;
    $("drop-text").textContent = f.name + " (" + Math.round(f.size / 1024) + " KiB)";
  };

  // The generative server: the studio's (GET /api/generative) unless the user picks another; kept in this browser.
  const genKey = "intercog.generative";
  const genFields = () => ({ backend: genBackend.value, url: genUrl.value.trim(), model: genModel.value.trim() });
  const showGen = () => {
    const g = genFields();
    genSummary.textContent = g.backend === "none" ? "(off)" : g.backend ? "(" + g.backend + (g.url ? " at " + g.url : "") + ")" : "(the studio's)";
  };
  try {
    const saved = JSON.parse(localStorage.getItem(genKey) || "{}");
    genBackend.value = saved.backend || "";
    genUrl.value = saved.url || "";
    genModel.value = saved.model || "";
  } catch (e) { /* a damaged setting is ignored */ }
  [genBackend, genUrl, genModel].forEach((el) => el.addEventListener("change", () => {
    localStorage.setItem(genKey, JSON.stringify(genFields()));
    showGen();
  }));
  showGen();
  fetch("/api/generative").then((r) => r.json()).then((g) => {
    genServer.textContent = g.configured
      ? "The studio's server: " + g.backend + " at " + g.url + (g.model ? " (model " + g.model + ")" : "") + (g.key_set ? ", key set." : ".")
      : "The studio has no generative server (start it with --gen-backend and --gen-url); pick one on this machine below.";
  }).catch(() => { genServer.textContent = ""; });

  fileInput.addEventListener("change", () => pick(fileInput.files[0]));
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", (e) => pick(e.dataTransfer.files[0]));
  slider.addEventListener("input", () => { before.style.clipPath = "inset(0 " + (100 - slider.value) + "% 0 0)"; });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!file) { setStatus("Pick a photo first.", true); return; }
    if (!instruction.value.trim()) { setStatus("Type an instruction first.", true); return; }
    run(null);
  });

  function reset() {
    reads = 0;
    steps.replaceChildren();
    overlay.replaceChildren();
    rewritten.hidden = true;
    compareBox.hidden = true;
    downloads.hidden = true;
    workspace.hidden = false;
  }

  function show(url, li) {
    photo.src = url;
    for (const other of steps.children) other.classList.toggle("current", other === li);
  }

  function addStep(ev) {
    const s = ev.step;
    const li = document.createElement("li");
    li.className = "step";
    li.dataset.stage = s.stage;
    li.dataset.index = ev.index;
    li.dataset.read = reads;
    const img = document.createElement("img");
    img.src = ev.image_url;
    img.alt = "step " + (ev.index + 1) + ": " + s.stage;
    const body = document.createElement("div");
    const stage = document.createElement("div");
    stage.className = "stage";
    stage.textContent = (ev.index + 1) + ". " + s.stage + (s.ms != null ? " · " + Math.round(s.ms) + " ms" : "");
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = s.text;
    body.append(stage, text);
    if (s.ok === true || s.ok === false) {
      const v = document.createElement("p");
      v.className = s.ok ? "ok" : "bad";
      v.textContent = s.ok ? "verified" : "not verified";
      body.append(v);
    }
    if (s.warning) {
      const w = document.createElement("p");
      w.className = "bad warning";
      w.textContent = "Warning: " + s.warning;
      body.append(w);
    }
    li.append(img, body);
    li.addEventListener("click", () => show(ev.image_url, li));
    steps.append(li);
    show(ev.image_url, li);
    if (s.stage === "rewrite") { rewritten.textContent = "Rewritten: " + s.text; rewritten.hidden = false; }
  }

  function showCandidates(result) {
    const trace = result.trace;
    photo.src = result.input_url;
    overlay.replaceChildren();
    // larger boxes first, so smaller ones lie on top and stay clickable; a number whose corner is taken moves to the bottom
    const area = (c) => (c.xyxy[2] - c.xyxy[0]) * (c.xyxy[3] - c.xyxy[1]);
    for (const c of [...trace.candidates].sort((a, b) => area(b) - area(a))) {
      const [x0, y0, x1, y1] = c.xyxy;
      const near = 0.04 * Math.max(size.width, size.height);
      const taken = trace.candidates.some((o) => o !== c && Math.abs(o.xyxy[0] - x0) < near && Math.abs(o.xyxy[1] - y0) < near && area(o) < area(c));
      const b = document.createElement("button");
      b.type = "button";
      b.className = "candidate";
      b.dataset.id = c.id;
      b.title = "#" + c.id + " " + c.label + " — click to edit this one";
      b.style.left = (100 * x0 / size.width) + "%";
      b.style.top = (100 * y0 / size.height) + "%";
      b.style.width = (100 * (x1 - x0) / size.width) + "%";
      b.style.height = (100 * (y1 - y0) / size.height) + "%";
      const n = document.createElement("span");
      n.textContent = c.id;
      if (taken) n.className = "bottom";
      b.append(n);
      b.addEventListener("click", () => run(c.id));
      overlay.append(b);
    }
  }

  function finish(result) {
    const trace = result.trace;
    if (result.output_url) {
      before.src = result.input_url;
      after.src = result.output_url;
      compareBox.hidden = false;
      photo.src = result.output_url;
      $("dl-result").href = result.output_url;
    }
    $("dl-result").hidden = !result.output_url;
    $("dl-mask").hidden = !result.mask_url;
    if (result.mask_url) $("dl-mask").href = result.mask_url;
    $("dl-trace").href = result.trace_url;
    downloads.hidden = false;
    const done = trace.status === "edited" ? "Edited" : trace.status === "grounded" ? "Grounded" : trace.status;
    const target = trace.target ? " #" + trace.target.id + " " + trace.target.label : "";
    const warnings = trace.steps.filter((s) => s.warning).map((s) => " Warning: " + s.warning);
    setStatus(done + target + ". " + (trace.timings_ms && trace.timings_ms.total ? Math.round(trace.timings_ms.total) + " ms." : "") + warnings.join(""), warnings.length > 0);
  }

  function problem(p) {
    if (p.chain_status === "ambiguous" && p.trace) {
      showCandidates(p);
      setStatus(p.detail + " Click one of the numbered outlines to edit it.");
      downloads.hidden = false;
      $("dl-result").hidden = true;
      $("dl-mask").hidden = true;
      $("dl-trace").href = p.trace_url;
      return;
    }
    setStatus((p.title || "Error") + ": " + (p.detail || "the request failed"), true);
  }

  async function run(choose) {
    const data = new FormData();
    data.append("image", file, file.name);
    data.append("instruction", instruction.value.trim());
    if (choose != null) data.append("choose", String(choose));
    if ($("segmenter").value) data.append("segmenter", $("segmenter").value);
    if ($("fill").value) data.append("fill", $("fill").value);
    const g = genFields();
    if (g.backend) data.append("gen_backend", g.backend);
    if (g.url && g.backend !== "none") data.append("gen_url", g.url);
    if (g.model && g.backend !== "none") data.append("gen_model", g.model);
    runButton.disabled = true;
    reset();
    setStatus(choose != null ? "Editing #" + choose + "…" : "Running the chain…");
    try {
      const response = await fetch("/api/edit", { method: "POST", body: data, headers: { Accept: "application/x-ndjson" } });
      const type = response.headers.get("content-type") || "";
      if (!type.includes("ndjson")) {
        const p = type.includes("json") ? await response.json() : { title: "HTTP " + response.status, detail: await response.text() };
        problem(p);
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        reads++;
        if (value) buffered += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim()) handle(JSON.parse(line));
        }
        if (done) break;
      }
    } catch (err) {
      setStatus("The request failed: " + err.message, true);
    } finally {
      runButton.disabled = false;
    }
  }

  function handle(ev) {
    switch (ev.type) {
      case "accepted":
        size = { width: ev.width, height: ev.height };
        photo.src = ev.input_url;
        setStatus("Running the chain…");
        break;
      case "step": addStep(ev); break;
      case "result": finish(ev); break;
      case "problem": problem(ev); break;
    }
  }
})();

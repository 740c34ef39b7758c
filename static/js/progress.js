// Progress reporting for the lesson player. It records what was actually played
// (timeupdate steps while playing; seeks start a new interval and earn nothing),
// queues heartbeats in localStorage, sends them one at a time in order with retry
// and backoff, flushes on pagehide with sendBeacon (CSRF token in the body), and
// resumes at the saved position. The server decides what counts. A beat refused because
// the login ended (401) or its CSRF token went with it stays queued: the learner is asked to
// sign in again in a new tab, so this page keeps playing, and the queue is sent once a fresh
// token shows the login is back (the viewing session belongs to this page, not the login). Only playback reports:
// opening a lesson (at ?t=SECONDS from a forum link, say) or seeking while paused opens no
// viewing session and sends no position, so it cannot move the resume point.

const BEAT_EVERY_MS = 10000; // pause, end, hidden tab and pagehide also cut a beat
const MAX_STEP_SECONDS = 3; // a larger jump between timeupdates is a seek, not playing
const MAX_BACKOFF_MS = 30000;
const MIN_RETRY_AFTER_MS = 1000; // a server's Retry-After is honoured within these bounds
const MAX_RETRY_AFTER_MS = 60000;
const MAX_INTERVALS_PER_BEAT = 40; // the server refuses more than 50 in one beat
const SIGN_IN_POLL_MS = 5000; // while signed out: how often to check for a new login

function round(t) { return Math.round(t * 100) / 100; }

// How long a 503 or 429 asks us to wait (Retry-After: seconds or an HTTP date), held to
// 1–60 s so a wrong header neither hammers the server nor parks the queue for an hour;
// null when the answer says nothing (then the player's own backoff applies).
export function retryAfterMs(value, now = Date.now()) {
  if (!value) return null;
  const text = value.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : (Date.parse(text) - now) / 1000;
  if (!Number.isFinite(seconds)) return null;
  return Math.min(Math.max(seconds * 1000, MIN_RETRY_AFTER_MS), MAX_RETRY_AFTER_MS);
}

// The server is there but asks for patience (down for maintenance, database outage, limit).
class ServerBusy extends Error {
  constructor(response) {
    super(`server ${response.status}`);
    this.waitMs = retryAfterMs(response.headers.get("Retry-After"));
  }
}

export function initProgress(root) {
  const video = root.querySelector("video");
  const status = document.getElementById("player-status");
  const bar = document.getElementById("progress-bar");
  const text = document.getElementById("progress-text");
  const note = document.getElementById("progress-note");
  const signIn = document.getElementById("progress-sign-in");
  let csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const queueKey = `campus.progress.queue.${root.dataset.lessonId}`;
  let session = null;
  let seq = 0;
  let closed = [];        // finished intervals not yet put in a beat
  let openStart = null;   // start of the interval being played
  let lastTime = null;    // last media time seen while playing
  let sending = false;
  let backoff = 0;
  let retryTimer = null;
  let stopped = false;
  let wantSession = false; // a viewing session is opened once the video plays, not on load
  let signedOut = false;   // the login ended: beats wait in the queue until it is back
  let signInTimer = null;
  let backAfterSignIn = false;

  const load = () => { try { return JSON.parse(localStorage.getItem(queueKey)) || []; } catch { return []; } };
  const save = (queue) => localStorage.setItem(queueKey, JSON.stringify(queue));
  const say = (message) => { if (status) status.textContent = message; };

  function showProgress(result) {
    if (bar) bar.value = result.completed ? 100 : result.percent;
    if (text) text.textContent = result.completed ? "Complete" : `Watched ${result.percent}%`;
    root.dataset.completed = String(result.completed);
    root.dataset.percent = String(result.percent);
    // Why the lesson is not complete yet (the server's words): coverage or viewing time left.
    if (note) { note.textContent = result.note || ""; note.hidden = !result.note; }
  }

  function closeInterval() {
    if (openStart !== null && lastTime !== null && lastTime > openStart) {
      closed.push([round(openStart), round(lastTime)]);
    }
    openStart = null;
  }

  function onTimeUpdate() {
    if (video.paused || video.seeking) return;
    const t = video.currentTime;
    if (lastTime === null || t < lastTime || t - lastTime > MAX_STEP_SECONDS) {
      closeInterval();
      if (closed.length >= MAX_INTERVALS_PER_BEAT) cutBeat(); // much seeking: beat early
      openStart = t;
    } else if (openStart === null) {
      openStart = lastTime;
    }
    lastTime = t;
  }

  // Put what was played since the last beat into a queued heartbeat; no playback, no beat.
  function cutBeat() {
    const wasOpen = openStart !== null;
    closeInterval();
    if (wasOpen && !video.paused) openStart = lastTime;
    const intervals = closed;
    const position = round(video.currentTime || 0);
    closed = [];
    if (stopped || !intervals.length) return;
    const queue = load();
    seq += 1;
    queue.push({ session, seq, intervals, position, rate: video.playbackRate || 1,
                 url: root.dataset.progressUrl });
    save(queue);
  }

  // Count the stretch between the last timeupdate and a pause or the end.
  function stopPlaying() {
    const t = video.currentTime;
    if (openStart !== null && lastTime !== null && t >= lastTime && t - lastTime <= MAX_STEP_SECONDS) {
      lastTime = t;
    }
    closeInterval();
    lastTime = null;
    cutBeat();
    flush();
  }

  // Wait what the server asked for when it said (Retry-After), else back off doubling.
  function scheduleRetry(waitMs = null) {
    let delay = waitMs;
    if (delay === null) delay = backoff = Math.min(backoff ? backoff * 2 : 1000, MAX_BACKOFF_MS);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, delay);
    return delay;
  }

  async function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
  }

  // 401, or a CSRF refusal (the token belonged to the login that ended): not the beat's fault.
  async function needsSignIn(response) {
    if (response.status === 401) return true;
    if (response.status !== 400 && response.status !== 403) return false;
    try { return ["login", "csrf"].includes((await response.clone().json()).code); } catch { return false; }
  }

  function askToSignIn() {
    if (!signedOut && signIn) {
      // A live region with a link, not a redirect: leaving the page would stop the video and
      // the sign-in form (lock-out, errors, password managers) stays the one on the login page.
      const link = document.createElement("a");
      link.href = signIn.dataset.loginUrl;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "Sign in again (opens in a new tab)";
      signIn.replaceChildren(
        "You are signed out, so your progress is waiting on this page. ", link,
        ". It is saved as soon as you are back.");
    }
    signedOut = true;
    say("Waiting for sign-in");
    clearTimeout(signInTimer);
    signInTimer = setTimeout(checkSignIn, SIGN_IN_POLL_MS);
  }

  // A fresh token answers only to a signed-in learner: that is the sign that the login is back.
  async function checkSignIn() {
    clearTimeout(signInTimer);
    if (!signedOut) return;
    try {
      const response = await fetch(root.dataset.tokenUrl, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        csrf = (await response.json()).csrf_token;
        signedOut = false;
        backAfterSignIn = true; // another tab may have sent the queue already: say so anyway
        if (signIn) signIn.replaceChildren("You are signed in again; your progress is being saved.");
        flush();
        return;
      }
    } catch { /* offline: try again later */ }
    signInTimer = setTimeout(checkSignIn, SIGN_IN_POLL_MS);
  }

  async function ensureSession() {
    if (session) return true;
    const response = await post(root.dataset.sessionUrl, {});
    if (await needsSignIn(response)) { askToSignIn(); return false; }
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      stopped = true; // not enrolled, logged out, or the lesson was withdrawn
      say("Progress is not being recorded");
      return false;
    }
    if (response.status >= 500 || response.status === 429) throw new ServerBusy(response);
    if (!response.ok) throw new Error(`session ${response.status}`);
    session = (await response.json()).session;
    const queue = load().map((beat) => (beat.session ? beat : { ...beat, session }));
    save(queue);
    return true;
  }

  async function flush() {
    if (sending || stopped || signedOut) return;
    sending = true;
    try {
      let sent = 0;
      let queue = load();
      if ((wantSession || queue.some((beat) => !beat.session)) && !(await ensureSession())) return;
      queue = load();
      if (queue.length) say("Saving…");
      while (queue.length) {
        const beat = queue[0];
        const response = await post(root.dataset.progressUrl, beat);
        if (await needsSignIn(response)) { askToSignIn(); return; }
        if (response.status >= 500 || response.status === 429) throw new ServerBusy(response);
        if (response.ok) showProgress(await response.json());
        else console.warn("progress report refused", response.status, await response.text());
        queue = load().filter((b) => !(b.session === beat.session && b.seq === beat.seq));
        save(queue);
        sent += 1;
      }
      backoff = 0;
      if (sent || backAfterSignIn) say("Saved");
      backAfterSignIn = false;
    } catch (error) {
      const busy = error instanceof ServerBusy;
      const delay = scheduleRetry(busy ? error.waitMs : null);
      root.dataset.retryInMs = String(delay); // for tests and support: when the next try is
      say(busy ? `Server busy, will sync in ${Math.round(delay / 1000)} s` : "Offline, will sync");
    } finally {
      sending = false;
    }
  }

  // The page is going away: queue what was played and hand everything to sendBeacon.
  // Beats stay queued too; the union on the server makes a second delivery harmless.
  function onPageHide() {
    cutBeat();
    if (!navigator.sendBeacon) return;
    for (const beat of load()) {
      if (!beat.session) continue;
      const body = new Blob([JSON.stringify({ ...beat, csrf_token: csrf })], { type: "text/plain" });
      navigator.sendBeacon(root.dataset.progressUrl, body);
    }
  }

  function resume() {
    const position = Number(root.dataset.position || 0);
    if (position > 0 && (!video.duration || position < video.duration - 1)) video.currentTime = position;
  }

  video.addEventListener("timeupdate", onTimeUpdate);
  video.addEventListener("seeking", () => { closeInterval(); lastTime = null; });
  // Start counting from where playback (re)starts, not from the first timeupdate after it.
  const anchor = () => { if (!video.paused && lastTime === null) lastTime = video.currentTime; };
  // `playing`, not `play`: the video really started (a play() that never starts opens nothing).
  video.addEventListener("playing", () => { anchor(); wantSession = true; flush(); });
  video.addEventListener("seeked", anchor);
  video.addEventListener("pause", stopPlaying);
  video.addEventListener("ended", stopPlaying);
  if (video.readyState >= 1) resume(); else video.addEventListener("loadedmetadata", resume, { once: true });
  window.addEventListener("online", () => { backoff = 0; flush(); });
  window.addEventListener("focus", checkSignIn); // back from the sign-in tab
  window.addEventListener("pagehide", onPageHide);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") { cutBeat(); flush(); } else checkSignIn();
  });
  setInterval(() => { if (!video.paused) { cutBeat(); flush(); } }, BEAT_EVERY_MS);
  // Beats queued by an older player that carry no played time would open a session for nothing.
  const queued = load();
  const played = queued.filter((beat) => beat.intervals && beat.intervals.length);
  if (played.length !== queued.length) save(played);
  flush(); // sends anything left unsent from an earlier visit to this lesson
  flushOtherLessons(queueKey, csrf);
  return { flush, cutBeat, queue: load };
}

// Beats left from a visit to another lesson (closed while offline) are sent too, in
// order, once; whatever fails stays queued for a later visit.
async function flushOtherLessons(ownKey, csrf) {
  const keys = Object.keys(localStorage).filter(
    (key) => key.startsWith("campus.progress.queue.") && key !== ownKey);
  for (const key of keys) {
    let queue;
    try { queue = JSON.parse(localStorage.getItem(key)) || []; } catch { queue = []; }
    while (queue.length) {
      const beat = queue[0];
      if (!beat.url || !beat.session) break; // that lesson's own page will send it
      try {
        const response = await fetch(beat.url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(beat),
        });
        if (response.status >= 500 || response.status === 429 || response.status === 401) break;
        if (response.status === 400 || response.status === 403) {
          const code = await response.json().then((answer) => answer.code, () => null);
          if (code === "login" || code === "csrf") break; // kept for after sign-in
        }
      } catch { break; }
      // Re-read before writing: another tab may have queued more beats meanwhile.
      try { queue = JSON.parse(localStorage.getItem(key)) || []; } catch { queue = []; }
      queue = queue.filter((b) => !(b.session === beat.session && b.seq === beat.seq));
      localStorage.setItem(key, JSON.stringify(queue));
    }
    if (!queue.length) localStorage.removeItem(key);
  }
}

const root = document.getElementById("player");
if (root && root.dataset.progressUrl) {
  window.campusProgress = initProgress(root);
}

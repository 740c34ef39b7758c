// The lesson player: captions toggle, speed, keyboard shortcuts, and a transcript
// that follows the video and seeks when a line is chosen. Progress reporting lives
// in progress.js, which listens to the same <video>.

const CAPTIONS_KEY = "campus.captions";
const SPEED_KEY = "campus.speed";

export function initPlayer(root) {
  const video = root.querySelector("video");
  const track = video.textTracks[0];
  const captionsButton = root.querySelector("#captions-toggle");
  const speedSelect = root.querySelector("#speed-select");
  const playButton = root.querySelector("#play-toggle");
  // The course's maximum, always set by the server (course.models.DEFAULT_SETTINGS when the
  // course does not choose one): the player restates no default of its own.
  const maxRate = Number(root.dataset.maxRate);

  function setCaptions(on) {
    if (track) track.mode = on ? "showing" : "hidden";
    captionsButton.setAttribute("aria-pressed", String(on));
    captionsButton.textContent = on ? "Captions on" : "Captions off";
    localStorage.setItem(CAPTIONS_KEY, on ? "on" : "off");
  }

  function setSpeed(rate) {
    const clamped = Math.min(Math.max(rate, 0.5), maxRate);
    video.playbackRate = clamped;
    speedSelect.value = String(clamped);
    localStorage.setItem(SPEED_KEY, String(clamped));
  }

  function stepSpeed(direction) {
    const options = [...speedSelect.options].map((o) => Number(o.value));
    const index = options.indexOf(video.playbackRate);
    const next = options[Math.min(Math.max(index + direction, 0), options.length - 1)];
    if (next) setSpeed(next);
  }

  function togglePlay() {
    if (video.paused) video.play(); else video.pause();
  }

  function seekBy(seconds) {
    video.currentTime = Math.min(Math.max(video.currentTime + seconds, 0), video.duration || 0);
  }

  captionsButton.addEventListener("click", () => setCaptions(captionsButton.getAttribute("aria-pressed") !== "true"));
  speedSelect.addEventListener("change", () => setSpeed(Number(speedSelect.value)));
  playButton.addEventListener("click", togglePlay);
  root.querySelectorAll("[data-seek]").forEach((button) =>
    button.addEventListener("click", () => seekBy(Number(button.dataset.seek))));
  video.addEventListener("play", () => { playButton.textContent = "Pause"; playButton.setAttribute("aria-label", "Pause"); });
  video.addEventListener("pause", () => { playButton.textContent = "Play"; playButton.setAttribute("aria-label", "Play"); });
  // A rate beyond the course maximum is not credited; keep the player within it.
  video.addEventListener("ratechange", () => { if (video.playbackRate > maxRate) video.playbackRate = maxRate; });

  const actions = {
    " ": togglePlay, k: togglePlay, K: togglePlay,
    j: () => seekBy(-10), J: () => seekBy(-10), l: () => seekBy(10), L: () => seekBy(10),
    c: () => setCaptions(captionsButton.getAttribute("aria-pressed") !== "true"),
    C: () => setCaptions(captionsButton.getAttribute("aria-pressed") !== "true"),
    "<": () => stepSpeed(-1), ">": () => stepSpeed(1),
  };
  // Letter shortcuts work anywhere on the page except where one types, so they keep
  // working after a transcript line is chosen. Space stays what it is elsewhere (scroll,
  // press a button) and on the video itself, whose native controls already toggle it:
  // handling it there too played and paused on one press.
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("select, input, textarea, [contenteditable]") || event.altKey || event.ctrlKey || event.metaKey) return;
    const action = actions[event.key];
    if (!action) return;
    if (event.key === " " && (!root.contains(event.target) || event.target === video || event.target.closest("button"))) return;
    event.preventDefault();
    action();
  });

  // Keyboard or pointer: the video's focus ring follows how focus got there (see app.css).
  document.addEventListener("keydown", (event) => {
    if (event.key === "Tab" || event.key.startsWith("Arrow")) root.dataset.keyboard = "true";
  }, true);
  document.addEventListener("pointerdown", () => { delete root.dataset.keyboard; }, true);

  setCaptions(localStorage.getItem(CAPTIONS_KEY) !== "off");
  const savedSpeed = Number(localStorage.getItem(SPEED_KEY));
  if (savedSpeed) setSpeed(savedSpeed);
  return { video, seekTo: (t) => { video.currentTime = t; } };
}

// A pause in following after the learner scrolls or moves through the transcript.
const FOLLOW_PAUSE_MS = 5000;

// The transcript is one tab stop (a roving tabindex over its line buttons): arrow keys,
// Home and End move between lines, Enter or Space plays from the line. It scrolls itself,
// not the page, to keep the current line in view, except for a few seconds after the
// learner scrolled it or moved through it.
export function initTranscript(list, video) {
  const lines = [...list.querySelectorAll("button.cue")];
  if (!lines.length) return;
  let current = null;
  let userMovedAt = -Infinity;
  let autoScrollTop = null; // where our own last scroll put the list

  function setTabStop(line) {
    lines.forEach((other) => { other.tabIndex = other === line ? 0 : -1; });
  }

  lines.forEach((line) => line.addEventListener("click", () => {
    setTabStop(line);
    video.currentTime = Number(line.dataset.start);
    video.play();
    // On a phone the transcript sits far below the video: bring the picture into view.
    const box = video.getBoundingClientRect();
    if (box.bottom < 0 || box.top > window.innerHeight) video.scrollIntoView({ block: "nearest" });
  }));

  const moves = {
    ArrowDown: (i) => i + 1, ArrowRight: (i) => i + 1, ArrowUp: (i) => i - 1, ArrowLeft: (i) => i - 1,
    Home: () => 0, End: () => lines.length - 1,
    PageDown: (i) => i + 5, PageUp: (i) => i - 5,
  };
  list.addEventListener("keydown", (event) => {
    const move = moves[event.key];
    const index = lines.indexOf(event.target);
    if (!move || index < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const next = lines[Math.min(Math.max(move(index), 0), lines.length - 1)];
    userMovedAt = Date.now();
    setTabStop(next);
    next.focus();
  });

  const userScrolled = () => { userMovedAt = Date.now(); };
  list.addEventListener("wheel", userScrolled, { passive: true });
  list.addEventListener("touchmove", userScrolled, { passive: true });
  list.addEventListener("scroll", () => {
    if (autoScrollTop === null || Math.abs(list.scrollTop - autoScrollTop) > 2) userScrolled();
  }, { passive: true });

  function follow(line) {
    if (Date.now() - userMovedAt < FOLLOW_PAUSE_MS || list.scrollHeight <= list.clientHeight) return;
    const top = line.offsetTop; // the list is the offsetParent (position: relative)
    const visible = top >= list.scrollTop && top + line.offsetHeight <= list.scrollTop + list.clientHeight;
    if (visible) return;
    list.scrollTop = Math.max(top - (list.clientHeight - line.offsetHeight) / 2, 0);
    autoScrollTop = list.scrollTop;
  }

  setTabStop(lines[0]);
  video.addEventListener("timeupdate", () => {
    const t = video.currentTime;
    const active = lines.find((l) => t >= Number(l.dataset.start) && t < Number(l.dataset.end)) || null;
    if (active) follow(active);
    if (active === current) return;
    if (current) current.removeAttribute("aria-current");
    if (active) {
      active.setAttribute("aria-current", "true");
      // Tabbing into the transcript lands on the line being spoken, unless the learner is in it.
      if (!list.contains(document.activeElement)) setTabStop(active);
    }
    current = active;
  });
}

const root = document.getElementById("player");
if (root) {
  const player = initPlayer(root);
  const transcript = document.getElementById("transcript");
  if (transcript) initTranscript(transcript, player.video);
}

// Forum helpers: Markdown preview rendered by the server (the same sanitizer used when a
// post is saved; nothing is rendered in the browser), "ask about this moment" on the lesson
// page, and ?t=SECONDS seeking so a thread can link back to its moment.

function initPreview(editor) {
  const button = editor.querySelector(".preview-button");
  const output = editor.querySelector(".preview");
  const textarea = editor.querySelector("textarea");
  if (!button || !output || !textarea) return;
  button.addEventListener("click", async () => {
    if (!output.hidden) {
      output.hidden = true;
      button.textContent = "Preview";
      return;
    }
    button.disabled = true;
    try {
      const response = await fetch(editor.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": editor.dataset.csrf },
        body: JSON.stringify({ source: textarea.value }),
      });
      const data = await response.json();
      // The HTML comes from campus.markup on the server: sanitized, like a saved post.
      output.innerHTML = response.ok ? data.html : "";
      if (!response.ok) output.textContent = data.error || "Preview failed.";
      output.hidden = false;
      button.textContent = "Back to writing";
    } catch (error) {
      output.textContent = "Preview is unavailable right now; your text is safe in the box.";
      output.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

function currentVideo() {
  return document.querySelector("#player video");
}

function initAskMoment(link) {
  // Fill the moment from the player when the learner clicks, not when the page loaded.
  link.addEventListener("click", (event) => {
    const video = currentVideo();
    if (!video) return;
    event.preventDefault();
    const url = new URL(link.dataset.baseHref, window.location.href);
    url.searchParams.set("t", String(Math.floor(video.currentTime || 0)));
    window.location.assign(url.toString());
  });
}

function seekTo(seconds) {
  const video = currentVideo();
  if (!video || !Number.isFinite(seconds) || seconds < 0) return;
  const apply = () => { video.currentTime = seconds; };
  if (video.readyState >= 1) apply(); else video.addEventListener("loadedmetadata", apply, { once: true });
}

document.querySelectorAll(".editor").forEach(initPreview);
const ask = document.getElementById("ask-moment");
if (ask) initAskMoment(ask);
document.querySelectorAll("button.moment[data-seek-to]").forEach((button) =>
  button.addEventListener("click", () => {
    seekTo(Number(button.dataset.seekTo));
    currentVideo()?.scrollIntoView({ block: "center" });
  }));
const startAt = new URLSearchParams(window.location.search).get("t");
if (startAt !== null && currentVideo()) seekTo(Number(startAt));

// Reading a thread is recorded by a POST once the page is shown, never by the GET itself
// (prefetchers and link checkers must not mark anything read). The bell follows.
async function markThreadRead(marker) {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const body = new URLSearchParams({ number: marker.dataset.number });
  try {
    const response = await fetch(marker.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf },
      body,
    });
    if (!response.ok) return;
    const { unread } = await response.json();
    const bell = document.querySelector("a.bell");
    if (!bell) return;
    bell.querySelectorAll(".count, .visually-hidden").forEach((node) => node.remove());
    if (unread > 0) {
      bell.insertAdjacentHTML("beforeend", '<span class="count"></span><span class="visually-hidden"> unread</span>');
      bell.querySelector(".count").textContent = String(unread);
    }
  } catch (error) {
    // Offline: the posts stay unread and are marked on the next visit.
  }
}
const readMarker = document.getElementById("thread-read");
if (readMarker) markThreadRead(readMarker);

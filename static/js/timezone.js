// Sign-up: send the browser's IANA time zone so certificate dates and the daily
// time-on-task record use the learner's own calendar day from the start. Without
// JavaScript the site's default zone applies; the profile page can change it.
(() => {
  const field = document.querySelector('input[name="time_zone"]');
  if (!field || field.value) return;
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    // Leave it empty: the server falls back to the default zone.
  }
})();

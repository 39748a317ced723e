// Small enhancements for news pages. Each link and button also works, or stays hidden, without it.

// "Return to previous page": without JavaScript the link goes to the story's section.
document.querySelectorAll("[data-back-link]").forEach((link) => {
  let referrer;
  try {
    referrer = new URL(document.referrer);
  } catch {
    return;
  }
  if (referrer.origin !== window.location.origin || window.history.length < 2) return;
  link.textContent = link.dataset.backText;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    window.history.back();
  });
});

// The printer-ready view's print button.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

// Videos: the player (and its requests to the video site) is loaded only on "Play".
document.querySelectorAll("[data-video-embed]").forEach((video) => {
  const play = video.querySelector("[data-video-play]");
  const frame = video.querySelector(".video__frame");
  if (!play || !frame) return;
  play.addEventListener("click", (event) => {
    event.preventDefault();
    const player = document.createElement("iframe");
    player.src = video.dataset.videoEmbed;
    player.title = video.dataset.videoTitle;
    player.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
    player.allowFullscreen = true;
    player.referrerPolicy = "strict-origin-when-cross-origin";
    frame.replaceChildren(player);
    player.focus();
  });
});

// JONQUILS admin: hide the thumbnail of a track without a cover (its URL answers 404) instead of
// showing a broken image. Loaded in <head>, so the capturing listener sees every image's error.
document.addEventListener("error", function (event) {
  var target = event.target;
  if (target && target.tagName === "IMG" && target.classList &&
      (target.classList.contains("jq-thumb") || target.classList.contains("jq-cover"))) {
    target.classList.add("is-missing");
  }
}, true);

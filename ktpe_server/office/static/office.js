// The console works without this script; it only makes the file fields speak the
// console's language (templates/_file.html): the page is marked "js" (the CSS then
// hides the native input behind its label) and the chosen file's name is shown.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
  var pick = input.closest(".file-pick");
  var shown = pick && pick.querySelector(".file-name");
  if (!shown) return;
  shown.textContent = input.files && input.files.length
    ? input.files[0].name
    : shown.getAttribute("data-empty");
});

// Progressive enhancement only: without this file every box is shown, each under its answer.
// Shows the box under a chosen radio, as GOV.UK's conditional reveal does, but without the
// aria-expanded GOV.UK's script puts on the radio (ARIA does not allow it there; axe says so).
const radios = () => document.querySelectorAll('input[type="radio"][data-app-reveal]');

function sync() {
  for (const radio of radios()) {
    const box = document.getElementById(radio.getAttribute("data-app-reveal"));
    if (box) box.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
  }
}

document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.type === "radio") sync();
});
window.addEventListener("pageshow", sync);
sync();

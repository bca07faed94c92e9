// The 战报 page: the print button opens the browser's print dialog (print or save as PDF).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

// The API documentation page: Swagger UI from the app's own static files (no CDN), reading the OpenAPI
// document with the signed-in user's session.
window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});

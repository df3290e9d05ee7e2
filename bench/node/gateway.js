// The Node baseline: what the seed's Express gateway did per request, proxying the same
// upstream as ours. Verifies the JWT (HS256, issuer), drops client identity headers, and
// sets request id, gateway secret, forwarded-for and the user headers, like ours does.
const crypto = require("crypto");
const express = require("express");
const jwt = require("jsonwebtoken");
const { createProxyMiddleware } = require("http-proxy-middleware");

const port = Number(process.env.PORT);
const upstream = process.env.UPSTREAM;
const secret = process.env.JWT_SECRET;
const gatewaySecret = process.env.GATEWAY_SECRET || "bench-gateway-secret";
const app = express();
app.disable("x-powered-by");

app.use((req, res, next) => {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith("x-user-") || name === "x-gateway-secret") delete req.headers[name];
  }
  const auth = req.headers.authorization;
  if (auth && auth.startsWith("Bearer ")) {
    try {
      const claims = jwt.verify(auth.slice(7), secret, { algorithms: ["HS256"], issuer: "shop" });
      req.headers["x-user-id"] = claims.sub;
      req.headers["x-user-email"] = claims.email;
      req.headers["x-user-role"] = claims.role;
    } catch (err) {
      res.status(401).json({ success: false, message: "Invalid or expired token", errors: [] });
      return;
    }
  }
  const requestId = req.headers["x-request-id"] || crypto.randomUUID();
  req.headers["x-request-id"] = requestId;
  req.headers["x-gateway-secret"] = gatewaySecret;
  req.headers["x-forwarded-for"] = req.socket.remoteAddress;
  res.setHeader("x-request-id", requestId);
  next();
});
app.use(createProxyMiddleware({ target: upstream, changeOrigin: false }));
app.listen(port, "127.0.0.1");

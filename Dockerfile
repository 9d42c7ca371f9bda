# exotel-calls serve in a container: Node 20 slim, the built package, a non-root user.
#   docker build -t exotel-calls .
#   docker run --rm -p 9464:9464 -p 8080:8080 -v exotel-data:/data \
#     -e EXOTEL_ACCOUNT_SID=… -e EXOTEL_API_KEY=… -e EXOTEL_API_TOKEN=… \
#     -e EXOTEL_CALLS_WEBHOOK_URL=https://… -e EXOTEL_CALLS_WEBHOOK_SECRET=whsec_… exotel-calls
# See docs/service.md. `scripts/check-package.sh` runs this image's entry command as a process.

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build && npm pack --silent --ignore-scripts && mv exotel-call-stream-*.tgz /tmp/exotel-call-stream.tgz

FROM node:20-slim
WORKDIR /app
COPY --from=build /tmp/exotel-call-stream.tgz /tmp/
# The package as published, with its runtime dependencies only, and ioredis for Redis sinks.
RUN npm install --omit=dev --no-audit --no-fund --ignore-scripts /tmp/exotel-call-stream.tgz ioredis@6 \
 && rm /tmp/exotel-call-stream.tgz \
 && mkdir -p /data && chown node:node /data
ENV NODE_ENV=production \
    EXOTEL_CALLS_DATA_DIR=/data \
    EXOTEL_CALLS_HOST=0.0.0.0 \
    EXOTEL_CALLS_PORT=9464 \
    EXOTEL_CALLS_WALLBOARD_PORT=8080
USER node
VOLUME ["/data"]
EXPOSE 9464 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.EXOTEL_CALLS_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop) drains the sinks and saves the checkpoint; give it the drain timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/node_modules/exotel-call-stream/dist/cli.js"]
CMD ["serve"]

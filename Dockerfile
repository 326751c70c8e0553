# One image for every leadscore service; choose the service with the command, e.g.
#   docker build -t leadscore .
#   docker run leadscore node services/scorer/bin/scorer.js
# The services run their TypeScript sources through tsx (no build step), so dev dependencies
# are installed too. A slimmer multi-stage image is tracked in the operations issue.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY services ./services
COPY schemas ./schemas
COPY deploy/grids ./deploy/grids
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "services/scorer/bin/scorer.js"]

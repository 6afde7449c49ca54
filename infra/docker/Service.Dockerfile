# One image recipe for every service: docker build --build-arg SERVICE=Risk -f infra/docker/Service.Dockerfile .
# and the topology step of all of them: docker build --target topology -f infra/docker/Service.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS source
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY shared/ shared/
COPY services/ services/
COPY infra/sql/ infra/sql/

# Every service under services/, each in /topology/<Service>: a new service joins without a line here.
FROM source AS topology-build
RUN for project in services/*/*.csproj; do \
      name="$(basename "$project" .csproj)"; \
      dotnet publish "$project" -c Release -o "/topology/$name" --nologo || exit 1; \
    done

# Runs `dotnet Traceability.<Service>.dll topology` for every service: their exchanges, consumer
# queues and bindings exist before any service starts (docker-compose's `topology` service, the
# Kubernetes Job). Exits non-zero when any of them fails.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS topology
WORKDIR /app
COPY --from=topology-build /topology ./
USER app
ENTRYPOINT ["sh", "-c", "for dir in /app/*/; do name=\"$(basename \"$dir\")\"; (cd \"$dir\" && dotnet \"Traceability.$name.dll\" topology) || exit 1; done"]

FROM source AS build
ARG SERVICE
RUN dotnet publish "services/${SERVICE}/${SERVICE}.csproj" -c Release -o /app --nologo

# The default target: one service.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG SERVICE
ENV SERVICE_DLL=Traceability.${SERVICE}.dll \
    ASPNETCORE_URLS=http://+:8080
WORKDIR /app
COPY --from=build /app ./
USER app
EXPOSE 8080
ENTRYPOINT ["sh", "-c", "exec dotnet \"$SERVICE_DLL\" --urls \"$ASPNETCORE_URLS\""]

# One image recipe for every service: docker build --build-arg SERVICE=Risk -f infra/docker/Service.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG SERVICE
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY shared/ shared/
COPY services/ services/
COPY infra/sql/ infra/sql/
RUN dotnet publish "services/${SERVICE}/${SERVICE}.csproj" -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG SERVICE
ENV SERVICE_DLL=Traceability.${SERVICE}.dll \
    ASPNETCORE_URLS=http://+:8080
WORKDIR /app
COPY --from=build /app ./
USER app
EXPOSE 8080
ENTRYPOINT ["sh", "-c", "exec dotnet \"$SERVICE_DLL\" --urls \"$ASPNETCORE_URLS\""]

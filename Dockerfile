# syntax=docker/dockerfile:1
# Multi-stage build: the SDK image builds and publishes, the ASP.NET runtime image runs as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig OData.Virtualization.sln ./
COPY src/OData.Virtualization/OData.Virtualization.csproj src/OData.Virtualization/
COPY src/OData.Virtualization.Server/OData.Virtualization.Server.csproj src/OData.Virtualization.Server/
RUN dotnet restore src/OData.Virtualization.Server/OData.Virtualization.Server.csproj
COPY src/ src/
COPY seed-data/ seed-data/
RUN dotnet publish src/OData.Virtualization.Server/OData.Virtualization.Server.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Configuration comes from environment variables, for example:
#   OData__Sources__erp__Provider=PostgreSQL
#   OData__Sources__erp__ConnectionString="Host=db;Database=erp;Username=odata_reader;Password=…"
# With no source configured the container serves the embedded SQLite demo (built into /tmp on first start).
# One port mechanism: the base image's ASPNETCORE_HTTP_PORTS, said again here where the port is read. Setting
# ASPNETCORE_URLS as well made every start log "Overriding HTTP_PORTS" (docs/decisions.md, decision 60).
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_NOLOGO=1
EXPOSE 8080
# The aspnet images ship a non-root user "app" (UID 1654).
USER app
ENTRYPOINT ["dotnet", "OData.Virtualization.Server.dll"]

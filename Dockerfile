# syntax=docker/dockerfile:1
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props SupportDesk.csproj ./
RUN dotnet restore SupportDesk.csproj
COPY . .
RUN dotnet publish SupportDesk.csproj -c Release -o /app --no-restore /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Attachment bytes live outside the (read-only, root-owned) application directory; mount a volume there.
RUN mkdir -p /data/attachments && chown app /data/attachments
VOLUME /data/attachments
ENV PORT=3000 \
    ASPNETCORE_ENVIRONMENT=Production \
    ATTACHMENTS_PATH=/data/attachments
EXPOSE 3000
# The aspnet image ships a non-root 'app' user (uid 1654).
USER app
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["dotnet", "SupportDesk.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "SupportDesk.dll"]

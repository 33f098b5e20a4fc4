@echo off
REM Run cytube-connector in the foreground (Windows).
REM
REM Settings come from the environment and from a .env file (see
REM docs\configuration.md). The first of these that exists is loaded:
REM   the file named by ENV_FILE, .env next to this script, .env at the
REM   repository root.
REM Variables already set in the environment win over the file. Only plain
REM KEY=VALUE lines are read; lines starting with # are skipped, and one pair
REM of surrounding double quotes is removed from the value.
REM
REM The program run is the first that exists of: the file named by
REM CONNECTOR_BIN, cytube-connector.exe next to this script,
REM cytube-connector.exe on PATH, or "go run ./cmd/cytube-connector" in the
REM repository this script is in. Extra arguments are passed on:
REM   run-connector.bat -log-level debug
setlocal EnableExtensions DisableDelayedExpansion

set "SCRIPT_DIR=%~dp0"
for %%I in ("%SCRIPT_DIR%..\..") do set "REPO_ROOT=%%~fI"

if not defined ENV_FILE if exist "%SCRIPT_DIR%.env" set "ENV_FILE=%SCRIPT_DIR%.env"
if not defined ENV_FILE if exist "%REPO_ROOT%\.env" set "ENV_FILE=%REPO_ROOT%\.env"
if not defined ENV_FILE goto run
if not exist "%ENV_FILE%" goto noenv
>&2 echo run-connector: loading "%ENV_FILE%"
for /f "usebackq eol=# tokens=1,* delims==" %%A in ("%ENV_FILE%") do if not defined %%A set "%%A=%%~B"
goto run

:noenv
>&2 echo run-connector: cannot read "%ENV_FILE%"
exit /b 1

:run
if defined CONNECTOR_BIN goto runbin
if exist "%SCRIPT_DIR%cytube-connector.exe" goto runlocal
where cytube-connector.exe >nul 2>nul && goto runpath
if not exist "%REPO_ROOT%\go.mod" goto notfound
where go >nul 2>nul || goto notfound
cd /d "%REPO_ROOT%"
go run ./cmd/cytube-connector run %*
exit /b %ERRORLEVEL%

:runbin
"%CONNECTOR_BIN%" run %*
exit /b %ERRORLEVEL%

:runlocal
"%SCRIPT_DIR%cytube-connector.exe" run %*
exit /b %ERRORLEVEL%

:runpath
cytube-connector.exe run %*
exit /b %ERRORLEVEL%

:notfound
>&2 echo run-connector: cytube-connector.exe not found: put it on PATH, set CONNECTOR_BIN, or run from a source checkout with Go installed
exit /b 1

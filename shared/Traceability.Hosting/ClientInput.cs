using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Traceability.Hosting;

/// <summary>
/// What every service checks before an endpoint sees a request: HEAD served wherever GET is (RFC 9110
/// §9.3.2), content codings it can undo or 415 (§15.5.16), path and query text under <see cref="TextRules"/>,
/// and every client error logged once.
/// </summary>
internal static class ClientInput
{
    /// <summary>Content codings the request decompression middleware undoes.</summary>
    private static readonly string[] Decodable = ["gzip", "deflate", "br"];

    /// <summary>
    /// HEAD is answered by the GET endpoint with the body left out: the request is routed as GET and
    /// turned back into HEAD before the response starts, so the server sends headers only.
    /// </summary>
    public static async Task HeadAsGet(HttpContext http, RequestDelegate next)
    {
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            await next(http);
            return;
        }
        http.Request.Method = HttpMethods.Get;
        http.Response.OnStarting(() =>
        {
            http.Request.Method = HttpMethods.Head;
            return Task.CompletedTask;
        });
        var body = http.Response.Body;
        http.Response.Body = Stream.Null;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = body;
            http.Request.Method = HttpMethods.Head;
        }
    }

    /// <summary>415 for a content coding the service cannot undo (anything but gzip, deflate, br or identity, or several at once).</summary>
    public static async Task KnownContentEncoding(HttpContext http, RequestDelegate next)
    {
        var codings = http.Request.Headers.ContentEncoding.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Where(c => !c.Equals("identity", StringComparison.OrdinalIgnoreCase)).ToList();
        if (codings.Count > 1 || (codings.Count == 1 && !Decodable.Contains(codings[0], StringComparer.OrdinalIgnoreCase)))
        {
            http.Response.Headers.AcceptEncoding = string.Join(", ", Decodable);
            await Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "This Content-Encoding is not supported.",
                detail: "Send the body uncompressed or with one of: gzip, deflate, br.").ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>400 naming the parameter when a query value or the path breaks <see cref="TextRules"/> (NUL, controls, undecodable bytes).</summary>
    public static async Task CleanPathAndQuery(HttpContext http, RequestDelegate next)
    {
        var errors = new ValidationErrors();
        if (http.Request.Path.Value is { } path && TextRules.Problem(path) is { } pathProblem)
        {
            errors.Add("path", pathProblem);
        }
        // Invalid percent-encoded UTF-8 (%FF, an encoded surrogate) is left undecoded by the query parser,
        // so it is checked on the raw query string: the client meant bytes we cannot read as text.
        foreach (var pair in (http.Request.QueryString.Value ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var rawName = equals < 0 ? pair : pair[..equals];
            var rawValue = equals < 0 ? "" : pair[(equals + 1)..];
            if (!IsUtf8(rawName) || !IsUtf8(rawValue))
            {
                errors.Add(IsUtf8(rawName) ? Uri.UnescapeDataString(rawName) : "query", "The value is not percent-encoded UTF-8.");
            }
        }
        foreach (var (name, values) in http.Request.Query)
        {
            if (TextRules.Problem(name) is { } nameProblem)
            {
                errors.Add("query", $"A parameter name breaks the text rules: {nameProblem}");
                continue;
            }
            foreach (var value in values)
            {
                if (value is not null && TextRules.Problem(value) is { } problem)
                {
                    errors.Add(name, problem);
                }
            }
        }
        if (!errors.IsEmpty)
        {
            await errors.ToProblem().ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsUtf8(string raw)
    {
        if (!raw.Contains('%', StringComparison.Ordinal))
        {
            return true;
        }
        try
        {
            StrictUtf8.GetString(System.Net.WebUtility.UrlDecodeToBytes(System.Text.Encoding.ASCII.GetBytes(raw), 0, raw.Length)!);
            return true;
        }
        catch (System.Text.DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Keeps the matched route for <see cref="LogClientErrors"/> (the exception handler clears the endpoint).</summary>
    public static Task RememberRoute(HttpContext http, RequestDelegate next)
    {
        if ((http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } route)
        {
            http.Items[RouteKey] = route;
        }
        return next(http);
    }

    private const string RouteKey = "Traceability.Route";

    /// <summary>
    /// Logs each answered client error once, at Information: method, route and status. Never the body,
    /// the query string or the raw path (they are the client's data, possibly personal or hostile).
    /// </summary>
    public static async Task LogClientErrors(HttpContext http, RequestDelegate next)
    {
        await next(http);
        if (http.Response.StatusCode is >= 400 and < 500)
        {
            var logger = http.RequestServices.GetService(typeof(ILoggerFactory)) is ILoggerFactory factory
                ? factory.CreateLogger("Traceability.ClientErrors")
                : null;
            var route = http.Items[RouteKey] as string ?? "(no endpoint)";
            logger?.LogInformation("Client error {StatusCode} on {Method} {Route}", http.Response.StatusCode, http.Request.Method, route);
        }
    }
}

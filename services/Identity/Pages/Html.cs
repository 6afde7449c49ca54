using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Traceability.Identity.Pages;

/// <summary>
/// The few pages a person sees here (sign in, second factor, set password), written as plain HTML: no
/// script, one form each, every form carrying its antiforgery token, every value HTML-encoded.
/// </summary>
internal static class Html
{
    public static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static IResult Page(string title, string body, int statusCode = StatusCodes.Status200OK) =>
        Results.Content($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Encode(title)}} · Traceability</title>
            <style>
              body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; color: #1b1b1b; }
              label { display: block; margin-top: 1rem; font-weight: 600; }
              input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
              button { margin-top: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; }
              .error { color: #a4000f; border-left: 4px solid #a4000f; padding-left: .75rem; }
              code { word-break: break-all; }
            </style>
            </head>
            <body>
            <main>
            <h1>{{Encode(title)}}</h1>
            {{body}}
            </main>
            </body>
            </html>
            """, "text/html; charset=utf-8", statusCode: statusCode);

    /// <summary>A form posting to <paramref name="action"/> with its antiforgery token and hidden values.</summary>
    public static string Form(HttpContext http, IAntiforgery antiforgery, string action, string fields, string button, IReadOnlyDictionary<string, string?>? hidden = null)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var hiddenFields = string.Concat((hidden ?? new Dictionary<string, string?>())
            .Select(h => $"""<input type="hidden" name="{Encode(h.Key)}" value="{Encode(h.Value)}">"""));
        return $"""
            <form method="post" action="{Encode(action)}">
            <input type="hidden" name="{Encode(tokens.FormFieldName)}" value="{Encode(tokens.RequestToken)}">
            {hiddenFields}
            {fields}
            <button type="submit">{Encode(button)}</button>
            </form>
            """;
    }

    public static string Error(string? message) => message is null ? "" : $"""<p class="error" role="alert">{Encode(message)}</p>""";

    /// <summary>Only a path on this service is followed after sign-in (no open redirect).</summary>
    public static string LocalOnly(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl) ? url : "/";
}

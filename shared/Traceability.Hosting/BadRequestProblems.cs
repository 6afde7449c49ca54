using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Traceability.Hosting;

/// <summary>
/// Turns request-reading failures (malformed JSON, a string where a number belongs, a body over the
/// size limit) into problem details with the offending field, instead of an empty 400 or a 500.
/// </summary>
internal sealed partial class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is InvalidDataException)
        {
            // The request decompression middleware could not undo the declared Content-Encoding.
            httpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    ["$"] = ["The body is not encoded as its Content-Encoding says."],
                })
                {
                    Title = "The request body could not be decoded.",
                    Status = StatusCodes.Status400BadRequest,
                },
                Exception = exception,
            });
        }
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        httpContext.Response.StatusCode = bad.StatusCode;
        ProblemDetails details;
        if (FindJsonError(bad) is { } json)
        {
            var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "$" : json.Path.TrimStart('$', '.');
            details = new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [field] = [Describe(json)],
            })
            {
                Title = "The request body is not valid JSON for this endpoint.",
                Status = bad.StatusCode,
            };
        }
        else if (ParameterName().Match(bad.Message) is { Success: true } parameter)
        {
            // "Failed to bind parameter "int page" from "abc"": name the parameter, not the .NET type.
            details = new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [parameter.Groups[1].Value] = ["This value has the wrong type or format."],
            })
            {
                Title = "A parameter could not be read.",
                Status = bad.StatusCode,
            };
        }
        else
        {
            details = new ProblemDetails
            {
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
                Detail = bad.Message,
                Status = bad.StatusCode,
            };
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }

    // System.Text.Json's messages name .NET types; the client needs to know what is wrong with its JSON.
    private static string Describe(JsonException json) => json.Message switch
    {
        var m when m.Contains("could not be mapped", StringComparison.Ordinal) => "This field is not part of the request.",
        var m when m.StartsWith("Duplicate", StringComparison.Ordinal) => "This member appears more than once; send each member once.",
        var m when m.Contains("could not be converted", StringComparison.Ordinal) =>
            "This value has the wrong type or format (numbers unquoted, dates as yyyy-MM-dd).",
        var m => m.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0],
    };

    [System.Text.RegularExpressions.GeneratedRegex("parameter \"(?:[^\" ]+ )?([^\" ]+)\"")]
    private static partial System.Text.RegularExpressions.Regex ParameterName();

    private static JsonException? FindJsonError(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json;
            }
        }
        return null;
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Traceability.Hosting;

/// <summary>Field-level errors collected while checking a request, answered as RFC 9457 problem details.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>Whether nothing was wrong.</summary>
    public bool IsEmpty => _errors.Count == 0;

    /// <summary>Adds an error for a field, named as the client sent it (camelCase JSON path).</summary>
    public ValidationErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(message);
        return this;
    }

    /// <summary>Adds <paramref name="message"/> when <paramref name="condition"/> is false.</summary>
    public bool Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            Add(field, message);
        }
        return condition;
    }

    /// <summary>The paging every list endpoint takes: page from 1, page size from 1 to 500.</summary>
    public ValidationErrors RequirePage(int page, int pageSize)
    {
        Require(page is >= 1 and <= 100_000, "page", "The page is a number from 1.");
        Require(pageSize is >= 1 and <= 500, "pageSize", "The page size is from 1 to 500.");
        return this;
    }

    /// <summary>The errors as a dictionary.</summary>
    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>400 problem details with the errors under <c>errors</c>.</summary>
    public ValidationProblem ToProblem() =>
        TypedResults.ValidationProblem(ToDictionary(), title: "The request is not valid.", type: "https://tools.ietf.org/html/rfc9110#section-15.5.1");
}

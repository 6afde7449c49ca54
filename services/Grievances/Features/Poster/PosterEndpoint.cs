using System.Security;
using System.Text;
using Microsoft.Extensions.Options;
using Traceability.Data;
using Traceability.Grievances.Features.Converse;
using Traceability.Grievances.Sms;
using Traceability.Hosting;

namespace Traceability.Grievances.Features.Poster;

internal static class PosterSql
{
    public const string Facility = "SELECT name AS Name, poster_code AS PosterCode FROM grievances.facility WHERE id = @Id";
}

/// <summary>
/// A printable A4 poster (SVG) per facility: the line's number, the facility's code and the instructions in
/// the languages asked for (<c>?languages=en,bn</c>; default all), for the deploying organisation to put up
/// where workers see it.
/// </summary>
internal static class PosterEndpoint
{
    public static RouteGroupBuilder MapPoster(this RouteGroupBuilder api)
    {
        api.MapGet("/facilities/{id:guid}/poster.svg", PosterAsync).WithTags("Cases").RequireRoles(Roles.Caseworker, Roles.Admin).WithName("FacilityPoster")
            .WithSummary("A printable A4 poster (SVG) with the line's number, the facility's code and instructions in the chosen languages.")
            .Produces(StatusCodes.Status200OK, contentType: "image/svg+xml");
        return api;
    }

    private sealed record FacilityRow(string Name, string PosterCode);

    private static async Task<IResult> PosterAsync(Guid id, Database database, ConversationTexts texts, IOptions<SmsOptions> options, CancellationToken cancellationToken,
        string? languages = null)
    {
        var chosen = (languages ?? string.Join(",", ConversationTexts.Codes)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        var unknown = chosen.Where(c => !texts.Languages.ContainsKey(c)).ToList();
        if (unknown.Count > 0 || chosen.Count == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["languages"] = ["Comma-separated codes of: " + string.Join(", ", ConversationTexts.Codes) + "."] });
        }
        var number = options.Value.Numbers.FirstOrDefault();
        if (number is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No number is configured (Sms__Numbers__0): a poster needs the number workers text.");
        }
        var facility = await database.QuerySingleOrDefaultAsync<FacilityRow>(PosterSql.Facility, new { Id = id }, cancellationToken);
        if (facility is null)
        {
            return TypedResults.NotFound();
        }
        return Results.Text(Svg(facility.Name, facility.PosterCode, number, chosen.Select(c => texts.Languages[c]).ToList()), "image/svg+xml", Encoding.UTF8);
    }

    /// <summary>The poster: 210 × 297 mm, the code and number large, one line of instructions per language.</summary>
    public static string Svg(string facilityName, string code, string number, IReadOnlyList<LanguageTexts> languages)
    {
        static string X(string text) => SecurityElement.Escape(text);
        var svg = new StringBuilder();
        svg.Append("""<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297" font-family="'Noto Sans', 'Noto Sans Bengali', 'Noto Sans Devanagari', sans-serif">""");
        svg.Append("""<rect width="210" height="297" fill="#fff"/><rect x="8" y="8" width="194" height="281" fill="none" stroke="#1a4d8f" stroke-width="1.5"/>""");
        svg.Append($"""<text x="105" y="30" font-size="11" text-anchor="middle" fill="#1a4d8f">{X(facilityName)}</text>""");
        svg.Append($"""<text x="105" y="62" font-size="26" font-weight="bold" text-anchor="middle" letter-spacing="2">{X(code)}</text>""");
        svg.Append($"""<text x="105" y="82" font-size="14" text-anchor="middle">{X(number)}</text>""");
        var y = 104.0;
        foreach (var language in languages)
        {
            svg.Append($"""<text x="20" y="{y.ToString(System.Globalization.CultureInfo.InvariantCulture)}" font-size="6.5" xml:lang="{language.Code}">{X(language.Format("poster", ("code", code), ("number", number)))}</text>""");
            y += 20;
        }
        svg.Append("</svg>");
        return svg.ToString();
    }
}

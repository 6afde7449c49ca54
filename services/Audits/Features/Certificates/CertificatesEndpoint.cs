using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Audits.Standards;
using Traceability.Hosting;

namespace Traceability.Audits.Features.Certificates;

internal static class CertificatesEndpoint
{
    /// <summary>The rate limit of the public verification endpoint: a token bucket per client address.</summary>
    public const string PublicPolicy = "public-verification";

    public const string Example = """
        {"scheme":"rainforest-alliance","number":"RA-CERT-2026-0042","holder":{"gln":"6291041500213","name":"Ahafo Cocoa Cooperative","country":"GH"},
         "scopeHsCodes":["1801.00"],"validFrom":"2026-01-01","validTo":"2028-12-31"}
        """;

    public const string StatusExample = """
        {"status":"suspended","reason":"Child labour found at the November audit; suspended pending remediation."}
        """;

    public static IServiceCollection AddPublicVerificationLimit(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Certificates").Get<CertificateOptions>() ?? new CertificateOptions();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PublicPolicy, http => RateLimitPartition.GetTokenBucketLimiter("address:" + http.Connection.RemoteIpAddress,
                _ => TokenBuckets.Of(options.VerificationBurst, options.VerificationPerSecond)));
            limiter.OnRejected = TokenBuckets.TooManyRequests("Too many verification requests from this address.");
        });
        return services;
    }

    public static RouteGroupBuilder MapCertificates(this RouteGroupBuilder api)
    {
        var certificates = api.MapGroup("/certificates").WithTags("Certificates");
        certificates.MapPost("", IssueAsync).RequireRoles(Roles.Certifier, Roles.Admin).WithName("IssueCertificate")
            .WithSummary("Issues a certificate to a facility (valid from its first day).").WithRequestExample(Example);
        certificates.MapPost("/{scheme}/{number}/status", ChangeStatusAsync).RequireRoles(Roles.Certifier, Roles.Admin).WithName("ChangeCertificateStatus")
            .WithSummary("Suspends, withdraws or reinstates a certificate, with a reason; appended to its history.").WithRequestExample(StatusExample);
        certificates.MapGet("/{scheme}/{number}/history", HistoryAsync).RequireRoles(Roles.Certifier, Roles.Admin).WithName("GetCertificateHistory")
            .WithSummary("A certificate with its whole history.");
        certificates.MapGet("/{scheme}/{number}", VerifyAsync).AllowAnonymous().RequireRateLimiting(PublicPolicy).WithName("VerifyCertificate")
            .WithSummary("Public: a certificate's status and validity, as schemes' public certificate databases answer (anonymous, rate limited per address).");
        return api;
    }

    private static async Task<IResult> IssueAsync(CertificateRequest? request, HttpContext http, Certificates certificates, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON certificate is required in the body.").ToProblem();
        }
        if (!request.TryValidate(certificates.Today, out var certificate, out var errors))
        {
            return errors.ToProblem();
        }
        var (outcome, issued, problem) = await certificates.IssueAsync(certificate, http.User.Subject() ?? "unknown", cancellationToken);
        return outcome == Certificates.Outcome.Done
            ? TypedResults.Created($"/api/v1/certificates/{issued!.Scheme}/{Uri.EscapeDataString(issued.Number)}/history", issued)
            : Invalid(problem!);
    }

    private static async Task<IResult> ChangeStatusAsync(string scheme, string number, StatusChangeRequest? request, HttpContext http, Certificates certificates,
        CancellationToken cancellationToken)
    {
        var known = Schemes.Find(scheme);
        if (known is null)
        {
            return TypedResults.NotFound();
        }
        var errors = new ValidationErrors();
        if (request is null)
        {
            return errors.Add("$", "A JSON status change is required in the body.").ToProblem();
        }
        errors.Require(request.Status is not null && StatusChangeRequest.Settable.Contains(request.Status), "status",
            "The status is suspended, withdrawn or valid (reinstated); expiry comes by the clock.");
        var reason = errors.RequireText("reason", request.Reason, 500, required: true, "The reason");
        errors.Require(request.EffectiveFrom is null or { Year: >= 2000 and <= 2100 }, "effectiveFrom", "The day the change takes effect is a date from 2000 to 2100.");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var (outcome, certificate, problem) = await certificates.ChangeStatusAsync(known.Id, number, request.Status!, reason!, request.EffectiveFrom,
            http.User.Subject() ?? "unknown", cancellationToken);
        return outcome switch
        {
            Certificates.Outcome.Done => TypedResults.Ok(certificate!),
            Certificates.Outcome.NotFound => TypedResults.NotFound(),
            Certificates.Outcome.Invalid => Invalid(problem!),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: problem),
        };
    }

    private static async Task<Results<Ok<CertificateResponse>, NotFound>> HistoryAsync(string scheme, string number, Certificates certificates,
        CancellationToken cancellationToken) =>
        Schemes.Find(scheme) is { } known && await certificates.FindAsync(known.Id, number, cancellationToken) is { } certificate
            ? TypedResults.Ok(certificate)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<CertificateVerification>, NotFound>> VerifyAsync(string scheme, string number, Certificates certificates,
        CancellationToken cancellationToken) =>
        Schemes.Find(scheme) is { } known && await certificates.FindAsync(known.Id, number, cancellationToken) is { } c
            ? TypedResults.Ok(new CertificateVerification(c.Scheme, c.Number, c.Status, c.ValidFrom, c.ValidTo))
            : TypedResults.NotFound();

    // "field: message" from the handler, as a 400 naming the field.
    private static IResult Invalid(string problem)
    {
        var at = problem.IndexOf(": ", StringComparison.Ordinal);
        return new ValidationErrors().Add(problem[..at], problem[(at + 2)..]).ToProblem();
    }
}

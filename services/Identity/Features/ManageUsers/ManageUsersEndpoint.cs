using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Hosting;
using Traceability.Identity.Accounts;

namespace Traceability.Identity.Features.ManageUsers;

/// <summary>The admin API for accounts: create (with a set-password link), list, disable, reset password.</summary>
internal static class ManageUsersEndpoint
{
    public static RouteGroupBuilder MapManageUsers(this RouteGroupBuilder admin)
    {
        admin.MapPost("/users", CreateAsync).WithName("CreateUser")
            .WithSummary("Creates an account; the answer holds its one-time set-password link.")
            .WithRequestExample("""{"email":"ama.mensah@example.org","roles":["auditor"],"auditorId":"apsca-21700123"}""");
        admin.MapGet("/users", async (UserAccounts accounts, CancellationToken ct) => TypedResults.Ok(await accounts.ListAsync(ct))).WithName("ListUsers");
        admin.MapPost("/users/{userId}/disable", DisableAsync).WithName("DisableUser")
            .WithSummary("Disables the account: no sign-in, no new or refreshed token.");
        admin.MapPost("/users/{userId}/reset-password", ResetPasswordAsync).WithName("ResetPassword")
            .WithSummary("A new one-time set-password link for the account.");
        return admin;
    }

    private static async Task<Results<Created<CreatedUserResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateUserRequest? request, UserAccounts accounts, HttpContext http, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON body with the email and roles is required.").ToProblem();
        }
        if (!UserAccounts.TryValidate(request, out var errors))
        {
            return errors.ToProblem();
        }
        var created = await accounts.CreateAsync(request, accounts.BaseUri(RequestBase(http)), cancellationToken);
        return created is null
            ? TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["email"] = ["An account with this email exists."] })
            {
                Status = StatusCodes.Status409Conflict,
                Title = "An account with this email exists.",
            })
            : TypedResults.Created($"/admin/users/{created.User.Id}", created);
    }

    private static async Task<Results<Ok<UserResponse>, NotFound>> DisableAsync(string userId, UserAccounts accounts) =>
        userId.Length <= 64 && !userId.Contains('@', StringComparison.Ordinal) && await accounts.DisableAsync(userId) is { } user
            ? TypedResults.Ok(user)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<SetPasswordLink>, NotFound>> ResetPasswordAsync(string userId, UserAccounts accounts, HttpContext http,
        CancellationToken cancellationToken) =>
        userId.Length <= 64 && !userId.Contains('@', StringComparison.Ordinal)
            && await accounts.ResetPasswordAsync(userId, accounts.BaseUri(RequestBase(http)), cancellationToken) is { } link
            ? TypedResults.Ok(link)
            : TypedResults.NotFound();

    private static Uri RequestBase(HttpContext http) => new($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/");
}

using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Traceability.Identity.Accounts;

namespace Traceability.Identity.Pages;

/// <summary>A sign-in form as posted (the antiforgery token is checked before it binds).</summary>
internal sealed class SignInForm
{
    public string? Email { get; set; }
    public string? Password { get; set; }
    public string? ReturnUrl { get; set; }
}

internal sealed class CodeForm
{
    public string? Code { get; set; }
    public string? ReturnUrl { get; set; }
}

internal sealed class SetPasswordForm
{
    public string? User { get; set; }
    public string? Token { get; set; }
    public string? Password { get; set; }
}

/// <summary>
/// The pages of signing in: the password, the second factor (and enrolling in it when a role requires
/// it), and setting a password through a one-time link. Sign-in posts are limited per client address and
/// every account locks after repeated failures (<see cref="IdentityServiceOptions.MaxFailedSignIns"/>).
/// </summary>
internal static class AccountPages
{
    public const string SignInLimit = "sign-in";

    public static WebApplication MapAccountPages(this WebApplication app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapGet("/login", (HttpContext http, IAntiforgery antiforgery, [FromQuery(Name = "ReturnUrl")] string? returnUrl) =>
            SignInPage(http, antiforgery, null, Html.LocalOnly(returnUrl), null));
        account.MapPost("/login", SignInAsync).RequireRateLimiting(SignInLimit);
        account.MapGet("/two-factor", (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            CodePage(http, antiforgery, "/account/two-factor", "Enter the 6-digit code from your authenticator app.", Html.LocalOnly(returnUrl), null));
        account.MapPost("/two-factor", TwoFactorAsync).RequireRateLimiting(SignInLimit);
        account.MapGet("/enroll-two-factor", EnrollPageAsync);
        account.MapPost("/enroll-two-factor", EnrollAsync).RequireRateLimiting(SignInLimit);
        account.MapGet("/set-password", (HttpContext http, IAntiforgery antiforgery, string? user, string? token) =>
            SetPasswordPage(http, antiforgery, user, token, null));
        account.MapPost("/set-password", SetPasswordAsync).RequireRateLimiting(SignInLimit);
        app.MapGet("/", (HttpContext http) => Html.Page("Traceability sign-in",
            http.User.Identity?.IsAuthenticated == true ? "<p>You are signed in.</p>" : """<p><a href="/account/login">Sign in</a></p>"""))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult SignInPage(HttpContext http, IAntiforgery antiforgery, string? email, string returnUrl, string? error, int status = 200,
        TimeSpan? retryAfter = null)
    {
        if (retryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return Html.Page("Sign in", Html.Error(error) + Html.Form(http, antiforgery, "/account/login", $"""
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" required value="{Html.Encode(email)}">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            """, "Sign in", new Dictionary<string, string?> { ["returnUrl"] = returnUrl }), status);
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, [FromForm] SignInForm form, UserManager<PlatformUser> users,
        SignInManager<PlatformUser> signIn, TimeProvider clock)
    {
        var returnUrl = Html.LocalOnly(form.ReturnUrl);
        const string wrong = "The email or the password is wrong.";
        if (string.IsNullOrWhiteSpace(form.Email) || string.IsNullOrEmpty(form.Password) || form.Email.Length > UserAccounts.MaxEmailLength
            || form.Password.Length > 1024)
        {
            return SignInPage(http, antiforgery, form.Email, returnUrl, "Enter your email and your password.", StatusCodes.Status400BadRequest);
        }
        var user = await users.FindByEmailAsync(form.Email);
        if (user is null || user.DisabledAt is not null)
        {
            return SignInPage(http, antiforgery, form.Email, returnUrl, wrong, StatusCodes.Status400BadRequest);
        }
        var result = await signIn.PasswordSignInAsync(user, form.Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return Results.LocalRedirect(returnUrl);
        }
        if (result.RequiresTwoFactor)
        {
            return Results.LocalRedirect($"/account/two-factor?returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        if (result.IsLockedOut)
        {
            return LockedOut(http, antiforgery, form.Email, returnUrl, user, clock);
        }
        return SignInPage(http, antiforgery, form.Email, returnUrl, wrong, StatusCodes.Status400BadRequest);
    }

    private static IResult LockedOut(HttpContext http, IAntiforgery antiforgery, string? email, string returnUrl, PlatformUser user, TimeProvider clock)
    {
        var wait = (user.LockoutEnd ?? clock.GetUtcNow()) - clock.GetUtcNow();
        if (wait < TimeSpan.FromSeconds(1))
        {
            wait = TimeSpan.FromSeconds(1);
        }
        return SignInPage(http, antiforgery, email, returnUrl, $"Too many failed attempts: this account is locked for {Math.Ceiling(wait.TotalMinutes)} minute(s).",
            StatusCodes.Status429TooManyRequests, wait);
    }

    private static IResult CodePage(HttpContext http, IAntiforgery antiforgery, string action, string prompt, string returnUrl, string? error,
        int status = 200, string? before = null) =>
        Html.Page("Second factor", (before ?? "") + Html.Error(error) + $"<p>{Html.Encode(prompt)}</p>" + Html.Form(http, antiforgery, action, """
            <label for="code">Code</label>
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,8}" required>
            """, "Continue", new Dictionary<string, string?> { ["returnUrl"] = returnUrl }), status);

    private static async Task<IResult> TwoFactorAsync(HttpContext http, IAntiforgery antiforgery, [FromForm] CodeForm form, SignInManager<PlatformUser> signIn,
        TimeProvider clock)
    {
        var returnUrl = Html.LocalOnly(form.ReturnUrl);
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is not { } user)
        {
            return Results.LocalRedirect($"/account/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        var code = (form.Code ?? "").Replace(" ", "", StringComparison.Ordinal);
        var result = await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false);
        if (result.Succeeded)
        {
            return Results.LocalRedirect(returnUrl);
        }
        if (result.IsLockedOut)
        {
            return LockedOut(http, antiforgery, user.Email, returnUrl, user, clock);
        }
        return CodePage(http, antiforgery, "/account/two-factor", "Enter the 6-digit code from your authenticator app.", returnUrl,
            "That code is not right (or no longer current).", StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> EnrollPageAsync(HttpContext http, IAntiforgery antiforgery, string? returnUrl, UserManager<PlatformUser> users,
        SignInManager<PlatformUser> signIn) =>
        await SignedInUserAsync(http, users, signIn) is { } user
            ? CodePage(http, antiforgery, "/account/enroll-two-factor", "Your role requires a second factor. Add this key to your authenticator app, then enter the code it shows.",
                Html.LocalOnly(returnUrl), null, before: await EnrolmentKeyAsync(users, signIn, user))
            : Results.LocalRedirect($"/account/login?ReturnUrl={Uri.EscapeDataString(Html.LocalOnly(returnUrl))}");

    private static async Task<IResult> EnrollAsync(HttpContext http, IAntiforgery antiforgery, [FromForm] CodeForm form, UserManager<PlatformUser> users,
        SignInManager<PlatformUser> signIn)
    {
        var returnUrl = Html.LocalOnly(form.ReturnUrl);
        if (await SignedInUserAsync(http, users, signIn) is not { } user)
        {
            return Results.LocalRedirect($"/account/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        var code = (form.Code ?? "").Replace(" ", "", StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            return CodePage(http, antiforgery, "/account/enroll-two-factor", "Add this key to your authenticator app, then enter the code it shows.", returnUrl,
                "That code is not right (or no longer current).", StatusCodes.Status400BadRequest, await EnrolmentKeyAsync(users, signIn, user));
        }
        await users.SetTwoFactorEnabledAsync(user, true);
        // The security stamp changed: sign in again so the cookie carries the new one.
        await signIn.SignInAsync(user, isPersistent: false);
        return Results.LocalRedirect(returnUrl);
    }

    private static async Task<PlatformUser?> SignedInUserAsync(HttpContext http, UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn)
    {
        var result = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        return result.Succeeded && await signIn.ValidateSecurityStampAsync(result.Principal) is { } user && user.DisabledAt is null ? user : null;
    }

    private static async Task<string> EnrolmentKeyAsync(UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn, PlatformUser user)
    {
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
            // A new key changes the security stamp: the sign-in cookie is renewed so it stays valid.
            await signIn.RefreshSignInAsync(user);
        }
        var uri = $"otpauth://totp/Traceability:{Uri.EscapeDataString(user.Email!)}?secret={key}&issuer=Traceability&digits=6";
        return $"""<p>Key: <code id="authenticator-key">{Html.Encode(key)}</code></p><p>Or open: <code id="authenticator-uri">{Html.Encode(uri)}</code></p>""";
    }

    private static IResult SetPasswordPage(HttpContext http, IAntiforgery antiforgery, string? user, string? token, string? error, int status = 200) =>
        Html.Page("Set your password", Html.Error(error) + $"""
            <p>At least {Passwords.NistPasswordValidator.MinimumLength} characters. Several words you will remember make a good password;
            one that is common or has leaked elsewhere is refused.</p>
            """ + Html.Form(http, antiforgery, "/account/set-password", """
            <label for="password">New password</label>
            <input id="password" name="password" type="password" autocomplete="new-password" required minlength="12">
            """, "Set password", new Dictionary<string, string?> { ["user"] = user, ["token"] = token }), status);

    private static async Task<IResult> SetPasswordAsync(HttpContext http, IAntiforgery antiforgery, [FromForm] SetPasswordForm form, UserManager<PlatformUser> users)
    {
        const string expired = "This link has expired or was used already; ask an admin for a new one.";
        var user = string.IsNullOrEmpty(form.User) || form.User.Length > 64 ? null : await users.FindByIdAsync(form.User);
        if (user is null || user.DisabledAt is not null || string.IsNullOrEmpty(form.Token) || form.Token.Length > 2048)
        {
            return SetPasswordPage(http, antiforgery, form.User, form.Token, expired, StatusCodes.Status400BadRequest);
        }
        if ((form.Password ?? "").Length > 1024)
        {
            return SetPasswordPage(http, antiforgery, form.User, form.Token, "A password has at most 256 characters.", StatusCodes.Status400BadRequest);
        }
        var result = await users.ResetPasswordAsync(user, form.Token, form.Password ?? "");
        if (!result.Succeeded)
        {
            var invalidToken = result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.InvalidToken));
            return SetPasswordPage(http, antiforgery, form.User, form.Token,
                invalidToken ? expired : string.Join(" ", result.Errors.Select(e => e.Description)), StatusCodes.Status400BadRequest);
        }
        // A password set through the link (by the person who got it) ends a lockout.
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        return Html.Page("Password set", """<p>Your password is set. <a href="/account/login">Sign in</a>.</p>""");
    }
}

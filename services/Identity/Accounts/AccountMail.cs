using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Traceability.Identity.Accounts;

/// <summary>Tells a person their set-password link. The link is also answered to the admin, who can pass it on.</summary>
public interface IAccountMail
{
    /// <summary>Whether a message actually leaves the platform (false: the admin hands the link over).</summary>
    bool Sends { get; }

    Task SendSetPasswordLinkAsync(string email, Uri link, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}

/// <summary>SMTP settings (configuration section <c>Mail:Smtp</c>); without a host no mail is sent.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "traceability@localhost";

    /// <summary>STARTTLS when the server offers it (the default), or none (a relay on loopback).</summary>
    public bool UseTls { get; set; } = true;
}

/// <summary>No mail server configured: nothing is sent; the link is in the admin's answer and printed by the CLI.</summary>
internal sealed class NoAccountMail : IAccountMail
{
    public bool Sends => false;

    public Task SendSetPasswordLinkAsync(string email, Uri link, DateTimeOffset expiresAt, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Sends the link by SMTP (MailKit).</summary>
internal sealed class SmtpAccountMail(IOptions<SmtpOptions> options) : IAccountMail
{
    public bool Sends => true;

    public async Task SendSetPasswordLinkAsync(string email, Uri link, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(email));
        message.Subject = "Set your Traceability password";
        message.Body = new TextPart("plain")
        {
            Text = $"An account on Traceability was made for you (or its password was reset).\n\nSet your password here, once, before {expiresAt:yyyy-MM-dd HH:mm} UTC:\n{link}\n",
        };
        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.UseTls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.Username))
        {
            await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
        }
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
    }
}

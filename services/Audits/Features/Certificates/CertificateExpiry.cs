namespace Traceability.Audits.Features.Certificates;

/// <summary>When the clock looks for certificates past their validity. Configuration section <c>Certificates</c>.</summary>
public sealed class CertificateOptions
{
    /// <summary>How often: a certificate expires within this long after its last day ends (UTC).</summary>
    public TimeSpan ExpiryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Certificates expired per transaction.</summary>
    public int ExpiryBatchSize { get; set; } = 500;

    /// <summary>Public verification requests one client address may make in a burst.</summary>
    public int VerificationBurst { get; set; } = 60;

    /// <summary>Public verification requests per second one client address gets back.</summary>
    public int VerificationPerSecond { get; set; } = 2;
}

/// <summary>
/// Expires certificates by the clock: on start and then every <see cref="CertificateOptions.ExpiryInterval"/> of the
/// service's <see cref="TimeProvider"/>, every valid or suspended certificate whose last day is over becomes expired
/// (history and <c>CertificateStatusChanged</c>, as any change). Several instances may run it: the conditional
/// update lets one of them change a certificate and the others pass it by.
/// </summary>
public sealed partial class CertificateExpiry(Certificates certificates, Microsoft.Extensions.Options.IOptions<CertificateOptions> options, TimeProvider time,
    ILogger<CertificateExpiry> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ExpiryInterval, time);
        do
        {
            try
            {
                var expired = await certificates.ExpireDueAsync(options.Value.ExpiryBatchSize, stoppingToken);
                if (expired > 0)
                {
                    LogExpired(expired);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Count} certificates")]
    private partial void LogExpired(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not expire certificates; trying again at the next tick")]
    private partial void LogFailed(Exception exception);
}

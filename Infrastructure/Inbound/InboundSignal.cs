namespace SupportDesk.Infrastructure.Inbound;

/// <summary>
/// Wakes this instance's inbound workers when a message was stored here (the SMTP listener and IMAP poller run beside
/// them), without a NOTIFY in the storing transaction: PostgreSQL serialises the commits of notifying transactions, and
/// every 250 would wait for that lock. Other instances hear the worker's LISTEN channel (retries) or poll.
/// </summary>
public sealed class InboundSignal
{
    private TaskCompletionSource _next = New();

    /// <summary>
    /// The wake-up a worker waits for. Take it before looking for work: a message stored after that look completes
    /// this task, so no wake-up falls between "found nothing" and "wait".
    /// </summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Wakes every worker waiting now.</summary>
    public void Set() => Interlocked.Exchange(ref _next, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

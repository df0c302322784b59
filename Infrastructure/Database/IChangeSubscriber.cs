namespace SupportDesk.Infrastructure.Database;

/// <summary>
/// A per-instance cache of rows that change rarely, kept honest the way <see cref="Auth.UserStateCache"/> is: a trigger
/// NOTIFYs <see cref="Channel"/> at each change, the user-change listener LISTENs to it on the same connection and
/// calls <see cref="Changed"/>, and calls <see cref="Clear"/> whenever it (re)connects, since changes made meanwhile
/// were not heard. A subscriber trusts what it holds only while <see cref="Auth.UserStateCache.Trusted"/>: the
/// listener's heartbeat proves everything committed before it was sent has been delivered.
/// </summary>
public interface IChangeSubscriber
{
    string Channel { get; }

    void Changed(string payload);

    void Clear();
}

using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Registry.Core.Common;

/// <summary>
/// Wraps a store so that its driver's outage errors leave it as <see cref="StoreUnavailableException"/>: each store
/// project says which of its exceptions are outages (and may react, e.g. clear a connection pool), and the services and
/// the API see one Core error whatever the driver. One proxy per store interface, written once for every member, so a
/// new store method cannot forget it. Synchronous throws, faulted tasks and failing async streams are all translated.
/// </summary>
public static class StoreOutages
{
    /// <summary><paramref name="translate"/> returns the error to throw instead, or null when the exception is not an outage.</summary>
    public static TStore Wrap<TStore>(TStore inner, Func<Exception, StoreUnavailableException?> translate) where TStore : class =>
        StoreOutageProxy<TStore>.Create(inner, translate);

    /// <summary>The rows of <paramref name="rows"/>, with an outage while reading them translated as <see cref="Wrap"/> does.</summary>
    public static IAsyncEnumerable<T> Stream<T>(IAsyncEnumerable<T> rows, Func<Exception, StoreUnavailableException?> translate,
        CancellationToken ct = default) =>
        StoreOutageProxy<object>.Stream(rows, translate, ct);
}

/// <summary>The proxy behind <see cref="StoreOutages.Wrap"/>; public only because DispatchProxy requires it.</summary>
public class StoreOutageProxy<TStore> : DispatchProxy where TStore : class
{
    private static readonly ConcurrentDictionary<MethodInfo, Func<object?, Func<Exception, Exception?>, object?>> Adapters = new();

    private TStore _inner = null!;
    private Func<Exception, Exception?> _translate = null!;

    internal static TStore Create(TStore inner, Func<Exception, StoreUnavailableException?> translate)
    {
        var proxy = Create<TStore, StoreOutageProxy<TStore>>();
        var self = (StoreOutageProxy<TStore>)(object)proxy;
        self._inner = inner;
        self._translate = translate;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        object? result;
        try { result = targetMethod.Invoke(_inner, args); }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw _translate(inner) ?? Rethrow(inner);
        }
        return Adapters.GetOrAdd(targetMethod, Adapter)(result, _translate);
    }

    private static Exception Rethrow(Exception e)
    {
        ExceptionDispatchInfo.Capture(e).Throw();
        return e; // not reached
    }

    /// <summary>How a result of the method's return type is watched for outages: tasks and async streams are wrapped, the rest passes.</summary>
    private static Func<object?, Func<Exception, Exception?>, object?> Adapter(MethodInfo method)
    {
        var type = method.ReturnType;
        if (type == typeof(Task)) return (r, t) => r is Task task ? WatchTask(task, t) : null;
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var watch = definition == typeof(Task<>) ? nameof(WatchTaskOf)
                : definition == typeof(IAsyncEnumerable<>) ? nameof(WatchStream)
                : null;
            if (watch is not null)
            {
                var generic = typeof(StoreOutageProxy<TStore>).GetMethod(watch, BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(type.GetGenericArguments()[0]);
                return generic.CreateDelegate<Func<object?, Func<Exception, Exception?>, object?>>();
            }
        }
        return (r, _) => r;
    }

    private static Task WatchTask(Task task, Func<Exception, Exception?> translate) =>
        task.IsCompletedSuccessfully ? task : Await(task, translate);

    private static async Task Await(Task task, Func<Exception, Exception?> translate)
    {
        try { await task.ConfigureAwait(false); }
        catch (Exception e) when (translate(e) is { } outage) { throw outage; }
    }

    private static object? WatchTaskOf<T>(object? result, Func<Exception, Exception?> translate) =>
        result is Task<T> { IsCompletedSuccessfully: false } task ? AwaitOf(task, translate) : result;

    private static async Task<T> AwaitOf<T>(Task<T> task, Func<Exception, Exception?> translate)
    {
        try { return await task.ConfigureAwait(false); }
        catch (Exception e) when (translate(e) is { } outage) { throw outage; }
    }

    private static object? WatchStream<T>(object? result, Func<Exception, Exception?> translate) =>
        result is IAsyncEnumerable<T> rows ? Stream(rows, translate) : result;

    internal static async IAsyncEnumerable<T> Stream<T>(IAsyncEnumerable<T> rows, Func<Exception, Exception?> translate,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var e = rows.GetAsyncEnumerator(ct);
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync().ConfigureAwait(false)) yield break;
            }
            catch (Exception x) when (translate(x) is { } outage) { throw outage; }
            yield return e.Current;
        }
    }
}

using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Registry.Core.Auth;

/// <summary>
/// The key format, <c>frk_&lt;id&gt;_&lt;secret&gt;</c>: a public id (8 random bytes, hex) by which a key is listed and
/// revoked, and a secret (32 random bytes, hex). Only the SHA-256 of the whole key is stored: the secret has 256 bits of
/// entropy, so a fast hash is enough (nothing to brute-force), and a slow one (bcrypt, Argon2) would only make every
/// request slower.
/// </summary>
public static partial class ApiKeySecrets
{
    public const string Prefix = "frk_";
    public const int IdHexLength = 16;

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdHexLength / 2));

    public static string NewKey(string keyId) => $"{Prefix}{keyId}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}";

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// Constant time, so that the time of a comparison says nothing about how much of a hash matched. Hashed on the stack
    /// (every request asks this; a key is under 100 bytes, anything longer is encoded into a rented buffer).
    /// </summary>
    public static bool Matches(string key, byte[] storedHash)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        var rented = max > 256 ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> utf8 = rented is null ? stackalloc byte[256] : rented;
            var length = Encoding.UTF8.GetBytes(key, utf8);
            SHA256.HashData(utf8[..length], hash);
            return CryptographicOperations.FixedTimeEquals(hash, storedHash);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The key id of a well-formed key; false for anything else (which then cannot be a stored key).</summary>
    public static bool TryParseId(string key, out string keyId)
    {
        var match = KeyPattern().Match(key);
        keyId = match.Success ? match.Groups[1].Value : "";
        return match.Success;
    }

    /// <summary>A route value of only spaces reaches the service as null (MVC converts blank strings), hence the null check.</summary>
    public static bool IsKeyId(string? value) => value is not null && KeyIdPattern().IsMatch(value);

    [GeneratedRegex("^frk_([0-9a-f]{16})_[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^[0-9a-f]{16}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdPattern();
}

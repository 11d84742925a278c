using System.Text;
using OData.Virtualization.Security;

/// <summary>
/// <c>hash-password</c>: reads a password (without echo when interactive, or from standard input) and prints the
/// hash for <c>OData:Security:Users:&lt;name&gt;:PasswordHash</c>. <c>hash-api-key</c>: prints a new random API key
/// (give it to the client) and its hash (for <c>OData:Security:ApiKeys:&lt;name&gt;:KeyHash</c>).
/// </summary>
internal static class SecretCommands
{
    public static async Task<int> RunAsync(string command)
    {
        if (command == "hash-api-key")
        {
            var (key, hash) = SecretHasher.NewApiKey();
            Console.WriteLine($"API key (give it to the client, once): {key}");
            Console.WriteLine($"KeyHash (put it in the configuration): {hash}");
            return 0;
        }

        string? password;
        if (Console.IsInputRedirected)
        {
            password = (await Console.In.ReadLineAsync())?.TrimEnd('\r', '\n');
        }
        else
        {
            Console.Error.Write("Password: ");
            password = ReadHidden();
        }

        if (string.IsNullOrEmpty(password))
        {
            await Console.Error.WriteLineAsync("No password given.");
            return 2;
        }

        Console.WriteLine(SecretHasher.HashPassword(password));
        return 0;
    }

    private static string ReadHidden()
    {
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace && text.Length > 0)
            {
                text.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}

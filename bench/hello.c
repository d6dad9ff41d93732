/* The baseline of the throughput benchmark: the least a libfcgi program can
 * do per request, behind the same lighttpd as the bridge. */
#include <fcgiapp.h>
#include <string.h>

int main(void)
{
	static const char out[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
				  "Content-Length: 16\r\n\r\n{\"status\":\"ok\"}\n";
	FCGX_Request rq;

	FCGX_Init();
	FCGX_InitRequest(&rq, 0, 0);
	while (FCGX_Accept_r(&rq) >= 0) {
		FCGX_PutStr(out, (int)strlen(out), rq.out);
		FCGX_Finish_r(&rq);
	}
	return 0;
}

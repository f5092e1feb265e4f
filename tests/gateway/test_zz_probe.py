import time
def test_probe(gw, client, fakes):
    print("ready")
    t=time.time()
    r = client.chat.completions.create(model="deepseek-r1:32b", messages=[{"role":"system","content":"Be brief."},{"role":"user","content":"hello there"}])
    print(r.model_dump())
    print(fakes["sglang"].requests()[-1]["json"])
    print(client.models.retrieve("deepseek-r1:32b"))
    import httpx
    print(httpx.get(gw.url+"/health/models", headers={"authorization":"Bearer "+gw.master_key}).json())

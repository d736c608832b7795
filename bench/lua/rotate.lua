-- Ask for a list of paths in turn, one per request, read from a file (one path a line):
--
--     wrk -t2 -c16 -d10s -s bench/lua/rotate.lua http://127.0.0.1:8000 -- paths.txt
--
-- Each wrk thread runs its own copy of this script. Thread n starts n half-lists along
-- (bench/run.py runs 2 threads), so the threads do not ask for the same path together.

local threads = 0

function setup(thread)
   thread:set("thread_number", threads)
   threads = threads + 1
end

function init(args)
   paths = {}
   for line in io.lines(args[1]) do
      paths[#paths + 1] = line
   end
   position = (thread_number or 0) * math.floor(#paths / 2)
end

function request()
   position = position % #paths + 1
   return wrk.format(nil, paths[position])
end
